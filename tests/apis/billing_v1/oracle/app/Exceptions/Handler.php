<?php

namespace App\Exceptions;

use Illuminate\Foundation\Exceptions\Handler as ExceptionHandler;
use Throwable;

class Handler extends ExceptionHandler
{
    protected $dontReport = [];

    protected $dontFlash = ['current_password', 'password', 'password_confirmation'];

    public function register()
    {
    }

    // An API: every error is answered in JSON, whatever the client's Accept header (the
    // seed's clients send none), as Laravel answers a client that asks for JSON.
    protected function shouldReturnJson($request, Throwable $e)
    {
        return true;
    }
}
