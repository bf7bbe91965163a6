<?php

use App\Http\Controllers\CustomerController;
use Illuminate\Support\Facades\Route;

Route::middleware('auth:api')->prefix('v1')->group(function () {
    Route::get('customers', [CustomerController::class, 'index']);
    Route::post('customers', [CustomerController::class, 'store']);
    Route::get('customers/search', [CustomerController::class, 'search']);
    Route::get('customers/{customer}', [CustomerController::class, 'show']);
    Route::match(['put', 'patch'], 'customers/{customer}', [CustomerController::class, 'update']);
    Route::delete('customers/{customer}', [CustomerController::class, 'destroy']);
    Route::get('customerAccounts/{customerAccount}', [CustomerController::class, 'byAccount']);
});
