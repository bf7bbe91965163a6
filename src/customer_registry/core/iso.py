"""ISO 3166 countries and ISO 4217 currencies, as clients name them: by code or by name."""

from __future__ import annotations

from dataclasses import dataclass

import pycountry


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    name: str


# Every ISO 3166 alpha-2 code (the documents list them; names are read too).
COUNTRY_CODES = sorted(str(country.alpha_2) for country in pycountry.countries)


def country_code(value: str) -> str | None:
    """The ISO alpha-2 code of a country given by code or name ("FR", "fra", "France")."""
    try:
        return str(pycountry.countries.lookup(value.strip()).alpha_2)
    except LookupError:
        return None


def currency(value: str) -> Currency | None:
    """An ISO 4217 currency given by code or name ("EUR", "euro")."""
    try:
        found = pycountry.currencies.lookup(value.strip())
    except LookupError:
        return None
    return Currency(str(found.alpha_3), str(found.name))
