<?php

// The front controller, as Laravel 8's public/index.php, and the router script of `php -S`.

use Illuminate\Contracts\Http\Kernel;
use Illuminate\Http\Request;

define('LARAVEL_START', microtime(true));

// Debian's php-laravel-framework: the Illuminate classes and their dependencies.
require '/usr/share/php/Illuminate/autoload.php';
require __DIR__.'/../autoload.php';

$app = require_once __DIR__.'/../bootstrap/app.php';

$kernel = $app->make(Kernel::class);

$response = $kernel->handle(
    $request = Request::capture()
)->send();

$kernel->terminate($request, $response);
