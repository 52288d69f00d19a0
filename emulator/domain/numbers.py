"""Phone numbers: the purchasable inventory, purchase, and the org's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.domain.context import Context
from emulator.domain.money import dollars
from emulator.domain.phone import TOLL_FREE_AREA_CODES, check_us_e164, number_type_of
from emulator.domain.records import Number
from emulator.domain.rules import (
    VOICEMAIL_ACTIONS,
    check_choice,
    check_language,
    check_returns,
    check_tools,
    check_url,
)
from emulator.domain.store import Org
from emulator.errors import InsufficientCredits, InvalidRequest, NotFound

MONTHLY_COST_CENTS = {"local": 100, "toll_free": 200}

# Real US area codes with their state and main city, so local inventory reads true.
AREA_CODES: dict[str, tuple[str, str]] = {
    "202": ("DC", "Washington"),
    "206": ("WA", "Seattle"),
    "212": ("NY", "New York"),
    "213": ("CA", "Los Angeles"),
    "214": ("TX", "Dallas"),
    "215": ("PA", "Philadelphia"),
    "303": ("CO", "Denver"),
    "305": ("FL", "Miami"),
    "310": ("CA", "Los Angeles"),
    "312": ("IL", "Chicago"),
    "313": ("MI", "Detroit"),
    "404": ("GA", "Atlanta"),
    "408": ("CA", "San Jose"),
    "415": ("CA", "San Francisco"),
    "503": ("OR", "Portland"),
    "504": ("LA", "New Orleans"),
    "512": ("TX", "Austin"),
    "602": ("AZ", "Phoenix"),
    "612": ("MN", "Minneapolis"),
    "615": ("TN", "Nashville"),
    "617": ("MA", "Boston"),
    "619": ("CA", "San Diego"),
    "646": ("NY", "New York"),
    "702": ("NV", "Las Vegas"),
    "704": ("NC", "Charlotte"),
    "713": ("TX", "Houston"),
    "718": ("NY", "Brooklyn"),
    "801": ("UT", "Salt Lake City"),
    "919": ("NC", "Raleigh"),
}


@dataclass(slots=True, frozen=True)
class AvailableNumber:
    phone_number: str
    country_code: str
    number_type: str
    state: str | None
    locality: str | None
    monthly_cost_cents: int
    upfront_cost_cents: int = 0
    currency: str = "USD"


class Numbers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._faker: Any = None

    def get(self, org: Org, number_id: str) -> Number:
        number = org.numbers.get(number_id)
        if number is None:
            raise NotFound.of("number", number_id)
        return number

    def available(
        self,
        country_code: str = "US",
        area_code: str | None = None,
        number_type: str | None = None,
        limit: int = 10,
    ) -> list[AvailableNumber]:
        """A deterministic inventory for the seed and query, minus owned numbers.

        It is a pure function of (seed, query): searching never changes state.
        """
        if country_code != "US":
            raise InvalidRequest(f"country_code: only US numbers are available (got {country_code!r})")
        kind = number_type or "local"
        if area_code is not None and kind == "toll_free":
            raise InvalidRequest("area_code: applies to local numbers only")
        # isascii: str.isdigit() also takes other scripts' digits and superscripts.
        if area_code is not None and (
            len(area_code) != 3 or not (area_code.isascii() and area_code.isdigit()) or area_code[0] in "01"
        ):
            raise InvalidRequest(f"area_code: {area_code!r} is not a US area code (3 digits, not starting 0 or 1)")
        rng = self.ctx.ids.fork(f"available:{kind}:{area_code or '*'}")
        found: list[AvailableNumber] = []
        for _ in range(limit * 20):
            if len(found) == limit:
                break
            candidate = self._candidate(rng, kind, area_code)
            if candidate.phone_number not in self.ctx.store.numbers_by_e164 and candidate not in found:
                found.append(candidate)
        return found

    def _candidate(self, rng: Any, kind: str, area_code: str | None) -> AvailableNumber:
        area = rng.choice(TOLL_FREE_AREA_CODES) if kind == "toll_free" else area_code or rng.choice(sorted(AREA_CODES))
        e164 = f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        state = locality = None
        if kind == "local":
            state, locality = AREA_CODES.get(area) or self._fake_place(rng.getrandbits(32))
        return AvailableNumber(e164, "US", kind, state, locality, MONTHLY_COST_CENTS[kind])

    def _fake_place(self, seed: int) -> tuple[str, str]:
        if self._faker is None:
            from faker import Faker  # ~40 ms; only paid by area codes outside the table

            self._faker = Faker("en_US")
        self._faker.seed_instance(seed)
        return self._faker.state_abbr(include_territories=False), self._faker.city()

    def purchase(self, org: Org, phone_number: str) -> Number:
        check_us_e164("phone_number", phone_number)
        owner = self.ctx.store.numbers_by_e164.get(phone_number)
        if owner is not None:
            whose = "this organization" if owner.org_id == org.id else "another organization"
            raise InvalidRequest(f"phone_number: {phone_number} is not available (owned by {whose})")
        kind = number_type_of(phone_number)
        cost = MONTHLY_COST_CENTS[kind] * 1000
        if org.available_milli_cents < cost:
            raise InsufficientCredits(
                f"the balance available ({dollars(org.available_milli_cents, up=False)}) is below this "
                f"number's {dollars(cost)} a month",
                detail={
                    "reason": "number_cost",
                    "available_milli_cents": org.available_milli_cents,
                    "required_milli_cents": cost,
                },
            )
        org.balance_milli_cents -= cost
        number = Number(
            id=self.ctx.ids.uuid(),
            org_id=org.id,
            e164=phone_number,
            country_code="US",
            number_type=kind,
            monthly_cost_cents=MONTHLY_COST_CENTS[kind],
            purchased_at=self.ctx.clock.now(),
        )
        self.ctx.store.numbers_by_e164[phone_number] = number
        return org.numbers.add(number)

    def oldest_active(self, org: Org) -> Number | None:
        return next((n for n in org.numbers.oldest_first() if n.status == "active"), None)

    def set_legacy_inbound(self, org: Org, number_id: str, **config: Any) -> Number:
        """The SDK-only full replace of a number's inbound config (null clears)."""
        number = self.get(org, number_id)
        check_inbound_config(config, self.ctx.config.strict_webhook_urls)
        number.inbound_enabled = config["enabled"]
        number.inbound_prompt = config["prompt"]
        number.inbound_returns = config["returns"]
        number.inbound_webhook_url = config["webhook_url"]
        number.inbound_language = config["language"]
        number.inbound_tools = config["tools"]
        number.inbound_voicemail_action = config["voicemail_action"] or "hangup"
        return number


def check_inbound_config(config: dict[str, Any], strict_urls: bool) -> None:
    if config["returns"] is not None:
        check_returns("returns", config["returns"])
    if config["tools"] is not None:
        check_tools("tools", config["tools"])
    if config["webhook_url"] is not None:
        check_url("webhook_url", config["webhook_url"], strict_urls)
    if config["language"] is not None:
        check_language("language", config["language"])
    if config["voicemail_action"] is not None:
        check_choice("voicemail_action", config["voicemail_action"], VOICEMAIL_ACTIONS)
