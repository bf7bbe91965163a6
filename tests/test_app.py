"""The app as `serve` runs it: what it does once started, beyond the routes."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx

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


async def test_media_answers_404_before_any_image_is_stored(
    settings: Settings, tmp_path: Path
) -> None:
    """The images' directory is made at start, so an unknown name is a plain 404 (it was an
    error while no image had been stored: the directory did not exist)."""
    fresh = settings.model_copy(update={"media_dir": str(tmp_path / "media")})
    app = create_app(fresh)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/media/entity1/photoCustomer/nothing.png")
    assert response.status_code == 404
    assert (tmp_path / "media").stat().st_mode & 0o777 == 0o700
