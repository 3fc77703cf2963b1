"""How often the embedded model local/smollm2 writes valid content, per tool.

    python bench/local_model_quality.py [--runs 10] [--tools email,landing_page,social_post]

Each run uses a different contact and campaign brief, the cache is off and the gateway keeps
its default bounded attempts. Reported per tool: success rate, mean attempts (model calls per
run, including the failed runs' attempts) and mean seconds per run; then the problems of the
runs that failed, so a regression shows what the model got wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import structlog

from _common import report
from kernel.errors import LLMError
from llm_tools.email import EmailIn, write_email
from llm_tools.gateway import Gateway
from llm_tools.inputs import Brand, Campaign, ContactProfile
from llm_tools.landing_page import LandingPageIn, write_landing_page
from llm_tools.memory import InMemoryCallStore
from llm_tools.social_post import SocialPostIn, write_social_posts

CONTACTS = [
    ContactProfile(first_name="Ada", last_name="Lovelace", title="CTO", company="Initech"),
    ContactProfile(first_name="Grace", title="Head of Sales", company="Globex", country="US"),
    ContactProfile(first_name="Linus", company="Umbrella Foods", city="Helsinki"),
    ContactProfile(first_name="Margaret", last_name="Hamilton", title="VP Engineering"),
    ContactProfile(first_name="Alan", company="Hooli", tags=["trial", "enterprise"]),
    ContactProfile(first_name="Katherine", title="Operations Manager", company="Stark Logistics"),
    ContactProfile(first_name="Tim", company="Wayne Retail", country="GB"),
    ContactProfile(first_name="Barbara", title="Founder", company="Liskov Labs"),
    ContactProfile(first_name="Dennis", title="IT Director", company="Bell Systems"),
    ContactProfile(first_name="Radia", company="Perlman Networks", city="Seattle"),
]
BRIEFS = [
    ("Spring launch", "Acme Insights shows sales trends at a glance; 30% off until May."),
    ("Webinar", "Free 45-minute webinar on cutting cloud costs, Thursday at 5 pm CET."),
    ("Free trial", "Try our invoicing app free for 30 days, no credit card needed."),
    ("Product update", "Our CRM now imports contacts from CSV in one click."),
    ("Renewal", "Renew your annual plan this month and get two months free."),
    ("Event", "Meet our team at the Berlin retail fair, booth 12, 3 to 5 June."),
    ("Case study", "How a logistics firm cut delivery delays by 40% with route planning."),
    ("Beta invite", "Join the beta of our AI meeting notes tool before public launch."),
    ("Security audit", "Book a free security audit of your company laptops this quarter."),
    ("Newsletter", "Monthly tips on network monitoring, starting with alert fatigue."),
]
BRANDS = ["Acme Analytics", "CloudTrim", "Billfold", "Contactly", "Acme Analytics"]
SENDERS = ["Grace", None, "Sam from Billfold", "Priya", None]


def campaign(i: int) -> Campaign:
    name, brief = BRIEFS[i % len(BRIEFS)]
    slug = name.lower().replace(" ", "-")
    return Campaign(
        name=name, brief=brief, link=f"https://example.com/{slug}", sender_name=SENDERS[i % 5]
    )


def brand(i: int) -> Brand:
    return Brand(name=BRANDS[i % len(BRANDS)])


def email_run(i: int, gateway: Gateway) -> Awaitable[object]:
    inp = EmailIn(contact=CONTACTS[i % len(CONTACTS)], campaign=campaign(i), brand=brand(i))
    return write_email(inp, gateway=gateway)


def landing_page_run(i: int, gateway: Gateway) -> Awaitable[object]:
    inp = LandingPageIn(campaign=campaign(i), brand=brand(i))
    return write_landing_page(inp, gateway=gateway)


def social_post_run(i: int, gateway: Gateway) -> Awaitable[object]:
    inp = SocialPostIn(campaign=campaign(i), brand=brand(i), platforms=["linkedin"], variants=1)
    return write_social_posts(inp, gateway=gateway)


TOOLS: dict[str, Callable[[int, Gateway], Awaitable[object]]] = {
    "email": email_run,
    "landing_page": landing_page_run,
    "social_post": social_post_run,
}


async def measure(tool: str, runs: int, show: bool) -> None:
    ok, seconds, attempts, failures = 0, [], [], []
    for i in range(runs):
        store = InMemoryCallStore()
        gateway = Gateway(model="local/smollm2", store=store, cache=False)
        started = time.perf_counter()
        try:
            out = await TOOLS[tool](i, gateway)
            ok += 1
            if show:
                print(out, file=sys.stderr)
        except LLMError as exc:
            failures.append(f"run {i}: {'; '.join(exc.details.get('problems', [exc.message]))}")
        seconds.append(time.perf_counter() - started)
        attempts.append(len(store.calls))
    report(
        f"local_model_quality.{tool}",
        {
            "runs": runs,
            "success_rate": ok / runs,
            "mean_attempts": statistics.mean(attempts),
            "mean_seconds": statistics.mean(seconds),
        },
    )
    for failure in failures:
        print(f"  {failure}"[:400])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tools", default="email,landing_page")
    parser.add_argument("--show", action="store_true", help="print each output on stderr")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for tool in args.tools.split(","):
        await measure(tool, args.runs, args.show)


if __name__ == "__main__":
    asyncio.run(main())
