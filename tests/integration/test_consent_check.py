"""Whether a worker's result is kept is read from the database on every submission.

The health-data consent is checked with one small statement instead of loading every
consent of the person (bench/README.md, "Step 16b"); these pin that the answer is the same:
the current text's consent, not withdrawn, of this person, counts; a withdrawal, an older
text or another purpose does not, from the very next request, whoever made the change.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select, update

from app.accounts.models import Consent, User
from app.extensions import db
from app.screening import risk
from app.screening import services as screening
from app.screening.models import ScreeningResult
from app.types import utcnow
from tests.helpers import csrf_token, submit, text
from tests.integration.screening_helpers import PHQ9_MODERATE, answer


def _agreed(client) -> None:
    submit(client, "/screening/consent?next=phq9", {"choice": "agree"})


def _saved() -> int:
    return db.session.scalar(select(func.count()).select_from(ScreeningResult).where(
        ScreeningResult.user_id.is_not(None))) or 0


def _phq9() -> dict[str, str]:
    return {**{f"q{n}": str(v) for n, v in enumerate(PHQ9_MODERATE, start=1)},
            "x_difficulty": "1"}


def _health_consent(user: User) -> Consent:
    found = db.session.scalar(select(Consent).where(
        Consent.user_id == user.id, Consent.purpose == screening.CONSENT_PURPOSE))
    assert found is not None
    return found


def test_a_withdrawal_on_the_privacy_page_counts_on_the_next_submission(signed_in, worker):
    client = signed_in(worker)
    _agreed(client)
    assert answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1}).status_code == 303
    assert _saved() == 1
    consent = _health_consent(worker)
    withdrawn = submit(client, f"/account/data/consents/{consent.id}/withdraw", {},
                       form_url="/account/data")
    assert withdrawn.status_code in (302, 303)
    assert client.get("/screening/phq9").status_code == 302
    refused = client.post("/screening/phq9", data={**_phq9(), "csrf_token": csrf_token(
        text(client.get("/account/data")))})
    assert refused.status_code in (302, 303)
    assert "/screening/consent?next=phq9" in refused.headers["Location"]
    assert _saved() == 1


def test_a_withdrawal_made_elsewhere_counts_on_the_next_request(signed_in, worker):
    """No copy of the answer outlives a request: a change by another process (here a direct
    UPDATE, as a command or another worker would make it) counts at once."""
    client = signed_in(worker)
    _agreed(client)
    assert client.get("/screening/phq9").status_code == 200
    db.session.execute(update(Consent).where(Consent.user_id == worker.id)
                       .values(withdrawn_at=utcnow()))
    db.session.commit()
    assert client.get("/screening/phq9").status_code == 302
    db.session.execute(update(Consent).where(Consent.user_id == worker.id)
                       .values(withdrawn_at=None))
    db.session.commit()
    assert client.get("/screening/phq9").status_code == 200


def test_only_the_current_texts_health_consent_counts(signed_in, worker, make_user):
    other = make_user()
    db.session.add_all([
        Consent(user_id=worker.id, purpose=screening.CONSENT_PURPOSE, text_version="2020-01"),
        Consent(user_id=worker.id, purpose=risk.SAFETY_PURPOSE, text_version=risk.SAFETY_VERSION),
        Consent(user_id=other.id, purpose=screening.CONSENT_PURPOSE,
                text_version=screening.CONSENT_VERSION),
        Consent(user_id=worker.id, purpose=screening.CONSENT_PURPOSE,
                text_version=screening.CONSENT_VERSION,
                withdrawn_at=utcnow() - timedelta(days=1)),
    ])
    db.session.commit()
    client = signed_in(worker)
    assert client.get("/screening/phq9").status_code == 302  # must choose first
    assert not screening.has_health_consent(worker)
    assert screening.has_health_consent(other)


def test_a_consent_given_in_this_transaction_counts_before_its_commit(worker):
    """The check sees the session's own changes, as reading the collection did."""
    assert not screening.has_health_consent(worker)
    worker.consents.append(Consent(purpose=screening.CONSENT_PURPOSE,
                                   text_version=screening.CONSENT_VERSION))
    assert screening.has_health_consent(worker)
    db.session.rollback()
    assert not screening.has_health_consent(worker)


def test_a_submission_reads_whether_there_is_a_consent_not_every_consent(signed_in, worker):
    """One EXISTS for the answer: no consent row is read to build objects from."""
    client = signed_in(worker)
    _agreed(client)
    form = {**_phq9(), "csrf_token": csrf_token(text(client.get("/screening/phq9")))}
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.post("/screening/phq9", data=form).status_code == 303
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    consent_reads = [s for s in seen if "FROM consents" in s]
    assert len(consent_reads) == 1, consent_reads
    assert "consents.given_at" not in consent_reads[0]
