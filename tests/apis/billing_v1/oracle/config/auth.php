<?php

// Laravel 8's `api` guard: the `token` driver, the token stored as its SHA-256.
return [
    'defaults' => ['guard' => 'api', 'passwords' => 'users'],
    'guards' => [
        'api' => ['driver' => 'token', 'provider' => 'users', 'hash' => true],
    ],
    'providers' => [
        'users' => ['driver' => 'eloquent', 'model' => App\User::class],
    ],
];
