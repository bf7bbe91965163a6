"""Users: who may call the APIs, at which level, over which entities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from customer_registry.auth.passwords import hash_password_async
from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, missing
from customer_registry.core.fields import is_key
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import identity as repository
from customer_registry.storage.database import Connection, Row

USERNAME_MAX = 255
PASSWORD_MIN = 8


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    username: str
    entity_id: int
    level: Level
    visibility: Visibility
    display_name: str | None
    disabled: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> User:
        return cls(
            user_id=row["user_id"],
            username=row["username"],
            entity_id=row["entity_id"],
            level=Level[row["permissions"]],
            visibility=Visibility(row["visibility"]),
            display_name=row["display_name"],
            disabled=bool(row["disabled"]),
            created_at=row["created_at"],
        )


async def create(
    conn: Connection,
    caller: Caller,
    *,
    username: str,
    password: str,
    level: Level,
    visibility: Visibility,
    entity_id: int,
    display_name: str | None = None,
) -> User:
    errors: dict[str, str] = {}
    if not username.strip() or len(username) > USERNAME_MAX or "\x00" in username:
        errors["username"] = f"{{field}} must be 1 to {USERNAME_MAX} characters."
    if len(password) < PASSWORD_MIN:
        errors["password"] = f"{{field}} must be at least {PASSWORD_MIN} characters."
    if errors:
        raise Invalid(errors)
    require_grantable(caller, level, visibility)
    await entities.require_existing(conn, caller, entity_id, field="entity_id")
    row = await repository.insert_user(
        conn,
        caller.scope.for_entity(entity_id),
        {
            "username": username,
            "password_hash": await hash_password_async(password),
            "permissions": level.name,
            "visibility": visibility.value,
            "display_name": display_name,
            "disabled": False,
            "created_at": utcnow(),
            "created_by": caller.username,
        },
    )
    return User.from_row(row)


async def list_all(conn: Connection) -> list[User]:
    """Every user, as the command line sees them."""
    rows = await repository.list_users(conn, COMMAND_LINE.scope)
    return [User.from_row(row) for row in rows]


async def any_exists(conn: Connection) -> bool:
    return await repository.any_user(conn)


async def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    """A disabled user cannot log in, and their tokens are refused from the next check on
    (the command line's: it acts on every entity's users)."""
    row = await repository.user_by_username(conn, username)
    if row is None:
        raise NotFound(f"User {username!r} does not exist.")
    await change(conn, COMMAND_LINE, row["user_id"], disabled=disabled)


def require_grantable(caller: Caller, level: Level, visibility: Visibility) -> None:
    """No one gives more rights than they hold: a level above their own, or every entity's
    customers when they see only their own entity's."""
    if level > caller.level:
        raise Forbidden(f"You may not grant the {level.name} level, above your own.")
    if visibility is Visibility.GLOBAL and not caller.sees_all_entities:
        raise Forbidden("Only users with GLOBAL visibility can grant it.")


async def manageable(conn: Connection, caller: Caller, user_id: int) -> User:
    """A user the caller sees and holds at least the rights of: changing them, or making a
    key that acts as them, gives the caller nothing they did not have."""
    user = await get(conn, caller, user_id)
    require_grantable(caller, user.level, user.visibility)
    return user


async def change(
    conn: Connection,
    caller: Caller,
    user_id: int,
    *,
    level: Level | None = None,
    visibility: Visibility | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user the caller may manage: level and visibility (no more than the caller
    holds), disabled or not, a new password (which ends the user's login sessions; API keys
    stay)."""
    user = await manageable(conn, caller, user_id)
    if level is not None or visibility is not None:
        require_grantable(caller, level or user.level, visibility or user.visibility)
    values: dict[str, object] = {"modified_at": utcnow(), "modified_by": caller.username}
    if level is not None:
        values["permissions"] = level.name
    if visibility is not None:
        values["visibility"] = visibility.value
    if disabled is not None:
        values["disabled"] = disabled
    if password is not None:
        _check_password(password)
        values["password_hash"] = await hash_password_async(password)
        await repository.delete_sessions(conn, user_id)
    row = await repository.update_user(conn, caller.scope, user_id, values)
    if row is None:
        raise missing("user", "id", user_id)  # another request deleted it first
    return User.from_row(row)


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise Invalid({"password": f"{{field}} must be at least {PASSWORD_MIN} characters."})


async def get(conn: Connection, caller: Caller, user_id: int) -> User:
    """A user of an entity the caller may see."""
    row = (
        await repository.visible_user(conn, caller.scope, user_id=user_id)
        if is_key(user_id)
        else None
    )
    if row is None:
        raise missing("user", "id", user_id)
    return User.from_row(row)


async def by_username(conn: Connection, caller: Caller, username: str) -> User:
    row = await repository.visible_user(conn, caller.scope, username=username)
    if row is None:
        raise missing("user", "reference", username)
    return User.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[User]:
    total, rows = await repository.page_users(conn, caller.scope, query, page)
    return Page([User.from_row(row) for row in rows], total)


async def acting_as(conn: Connection, username: str) -> Caller:
    """The user `username` as a caller, with the rights a token of theirs would carry (an
    import run on their behalf, `--as`). A disabled user acts no more."""
    user = await by_username(conn, COMMAND_LINE, username)
    if user.disabled:
        raise Forbidden(f"The user {username} is disabled.")
    return Caller(user.user_id, user.username, user.entity_id, user.level, user.visibility)
