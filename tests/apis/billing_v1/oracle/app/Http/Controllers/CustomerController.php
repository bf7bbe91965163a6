<?php

namespace App\Http\Controllers;

use App\Customer;
use Illuminate\Http\Request;
use Illuminate\Routing\Controller;
use Illuminate\Validation\Rule;

// The billing API's customers the way a Laravel 8 controller writes them: paginate(),
// findOrFail(), $request->validate() with rules matching the registry's fields.
class CustomerController extends Controller
{
    // Flags and numbers with a default: null (an empty form field) means "not given".
    private const DEFAULTED = [
        'brand_id', 'resellerLevel', 'active', 'isReseller', 'chargeVAT',
        'applyVATAutoReverseOperators', 'onCallDuty', 'vip',
    ];

    private function rules(?Customer $customer): array
    {
        $unique = fn (string $column) => Rule::unique('customers', $column)
            ->ignore($customer ? $customer->id : null);

        return [
            'brand_id' => 'nullable|integer|exists:brands,id',
            'representative_id' => 'nullable|integer|exists:users,id',
            'customerAccount' => ['nullable', 'string', 'max:100', $unique('customerAccount')],
            'accountsReference' => ['nullable', 'string', 'max:100', $unique('accountsReference')],
            'name' => ($customer ? 'sometimes|' : '').'required|string|max:255',
            'brand' => 'nullable|string|max:255',
            'registrationNumber' => 'nullable|string|max:255',
            'taxRegistrationNumber' => 'nullable|string|max:255',
            'type' => 'nullable|string|max:255',
            'capital' => 'nullable|string|max:50',
            'mainAddressLine1' => 'nullable|string|max:255',
            'mainAddressLine2' => 'nullable|string|max:255',
            'mainAddressPostalCode' => 'nullable|string|max:50',
            'postalCode' => 'nullable|string|max:50',
            'mainAddressCity' => 'nullable|string|max:255',
            'mainAddressCountry' => 'nullable|string|max:255',
            'website' => 'nullable|string|max:255',
            'emailAddress' => 'nullable|string|max:255',
            'phone' => 'nullable|string|max:50',
            'mobilePhone' => 'nullable|string|max:50',
            'fax' => 'nullable|string|max:50',
            'comment' => 'nullable|string|max:2000',
            'active' => 'nullable|boolean',
            'isReseller' => 'nullable|boolean',
            'resellerLevel' => 'nullable|integer',
            'chargeVAT' => 'nullable|boolean',
            'applyVATAutoReverseOperators' => 'nullable|boolean',
            'onCallDuty' => 'nullable|boolean',
            'vip' => 'nullable|boolean',
        ];
    }

    private function attributes(array $validated): array
    {
        foreach (self::DEFAULTED as $key) {
            if (array_key_exists($key, $validated) && $validated[$key] === null) {
                unset($validated[$key]);
            }
        }
        if (array_key_exists('postalCode', $validated)) {
            $validated['mainAddressPostalCode'] = $validated['postalCode'];
            unset($validated['postalCode']);
        }

        return $validated;
    }

    private function nextAccount(): string
    {
        for ($number = 1;; $number++) {
            $account = sprintf('CL%04d', $number);
            if (! Customer::where('customerAccount', $account)->exists()) {
                return $account;
            }
        }
    }

    public function index(Request $request)
    {
        return Customer::query()->orderBy('id')->paginate($this->perPage($request))->withQueryString();
    }

    public function search(Request $request)
    {
        $term = (string) $request->query('term');
        $query = Customer::query()->orderBy('id');
        if ($term !== '') {
            $query->where(function ($where) use ($term) {
                foreach (['name', 'customerAccount', 'accountsReference'] as $column) {
                    $where->orWhere($column, 'like', "%{$term}%");
                }
            });
        }

        return $query->paginate($this->perPage($request))->withQueryString();
    }

    private function perPage(Request $request): int
    {
        $request->validate(['per_page' => 'nullable|integer|min:1']);

        return (int) ($request->query('per_page') ?? 15);
    }

    public function show($customer)
    {
        return ['customer' => Customer::findOrFail($customer)];
    }

    public function byAccount($customerAccount)
    {
        return ['customer' => Customer::where('customerAccount', $customerAccount)->firstOrFail()];
    }

    public function store(Request $request)
    {
        $attributes = $this->attributes($request->validate($this->rules(null)));
        if (($attributes['customerAccount'] ?? null) === null) {
            $attributes['customerAccount'] = $this->nextAccount();
        }

        return response()->json(['response' => Customer::create($attributes)->id], 201);
    }

    public function update(Request $request, $customer)
    {
        $found = Customer::findOrFail($customer);
        $found->update($this->attributes($request->validate($this->rules($found))));

        return ['response' => $found->id];
    }

    public function destroy($customer)
    {
        Customer::findOrFail($customer)->delete();

        return ['response' => true];
    }
}
