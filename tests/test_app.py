"""The app as `serve` runs it: what it does once started, beyond the routes."""

from __future__ import annotations

import gc

from customer_registry.app import create_app
from customer_registry.settings import Settings


async def test_a_serving_app_moves_what_start_up_made_out_of_the_collectors_reach(
    settings: Settings,
) -> None:
    app = create_app(settings, serving=True)
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


async def test_an_app_in_a_shared_process_leaves_the_collector_alone(settings: Settings) -> None:
    app = create_app(settings)  # as the tests run it, many apps in one process
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
