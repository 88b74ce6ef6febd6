"""Centres and services as other packages see them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.booking.models import Centre, Service
from app.extensions import db


def active_centres() -> Sequence[Centre]:
    """Open centres, the city hub first."""
    return db.session.scalars(
        select(Centre).where(Centre.active.is_(True))
        .options(selectinload(Centre.services))
        .order_by(Centre.parent_id.is_not(None), Centre.id)
    ).all()


def active_services() -> Sequence[Service]:
    """Services offered somewhere in the network."""
    return db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.id)
    ).all()
