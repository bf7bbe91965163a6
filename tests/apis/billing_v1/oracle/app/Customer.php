<?php

namespace App;

use Illuminate\Database\Eloquent\Model;

// The billing customer: every column is a key of the customer object, booleans stored as
// 0/1 and shown as such (no casts), timestamps Laravel's.
class Customer extends Model
{
    protected $guarded = ['id'];
}
