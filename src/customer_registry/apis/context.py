"""What every request handler reaches: settings, the database, the token checker, images."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from customer_registry.auth.tokens import TokenAuthenticator
from customer_registry.core.media import MediaFiles, open_media
from customer_registry.settings import Settings
from customer_registry.storage.database import Database, open_database


@dataclass
class Context:
    settings: Settings
    db: Database = field(init=False)
    authenticator: TokenAuthenticator = field(init=False)
    # Handed to the core, which stores and removes images with their transactions (set at
    # start, when the images' directory is made).
    media: MediaFiles = field(init=False)
    # Images are decoded here, at most `image_threads` at a time: each may take up to
    # `max_image_decoded_bytes`, and a burst of uploads queues rather than adding up.
    image_threads: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.db = open_database(self.settings)
        self.authenticator = TokenAuthenticator(self.db, self.settings)
        self.image_threads = ThreadPoolExecutor(
            self.settings.image_threads, thread_name_prefix="images"
        )

    async def start(self) -> None:
        self.media = open_media(Path(self.settings.media_dir))
        await self.db.start()

    async def stop(self) -> None:
        await self.db.stop()


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx
