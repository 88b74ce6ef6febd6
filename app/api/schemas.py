"""Request and response schemas of the JSON API (they are also its OpenAPI document)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.accounts.contact import MOBILE_PATTERN, NOT_A_MOBILE
from app.booking.profiles import LANGUAGES as LANGUAGE_CODES
from app.booking.profiles import SPECIALTIES as SPECIALTY_CODES


class Score(fields.Number):
    """A score as scored: whole numbers stay whole (PHQ-9 10), means keep decimals (CBI 45.8)."""

    num_type = float

    def _format_num(self, value):
        return value if isinstance(value, int | float) and not isinstance(value, bool) \
            else float(value)


class Strict(Schema):
    """Request bodies refuse unknown fields, so a typo is an error rather than ignored."""

    class Meta:
        unknown = RAISE


class StrictBoolean(fields.Boolean):
    """Only JSON true or false: "yes" or 1 is an error, as the document says."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ProblemSchema(Schema):
    """RFC 9457 problem details; ``detail`` is in the reader's language."""

    type = fields.String(required=True, metadata={"example": "urn:xinqing:problem:booking-full"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
    consent_version = fields.String()


class BothLanguages(Schema):
    """One text in Simplified Chinese and English."""

    zh = fields.String(required=True)
    en = fields.String(required=True)


# A mainland mobile number, 11 digits with an optional +86 (the pattern is in the document).
MOBILE = validate.Regexp(MOBILE_PATTERN, error=NOT_A_MOBILE)


# -- auth --------------------------------------------------------------------------------
class TokenRequest(Strict):
    """Sign in with ``login`` + ``password`` (staff add ``otp``), or, for workers, with
    ``phone`` + the SMS ``code`` from ``POST /auth/sms-code``."""

    login = fields.String(validate=validate.Length(min=1, max=254))
    password = fields.String(validate=validate.Length(min=1, max=1024))
    otp = fields.String(validate=validate.Length(max=32), metadata={
        "description": "Staff only: a current authenticator code, or a recovery code."})
    phone = fields.String(validate=MOBILE, metadata={
        "description": "Workers: the mainland mobile number the code was sent to."})
    code = fields.String(validate=validate.Length(min=1, max=12), metadata={
        "description": "Workers: the 6-digit code from the SMS."})

    @validates_schema
    def _one_way(self, data: dict, **_: object) -> None:
        by_password = "login" in data or "password" in data
        by_code = "phone" in data or "code" in data
        if by_password == by_code:
            raise ValidationError(_l("Send login and password, or phone and code."),
                                  field_name="login")
        needed = ("login", "password") if by_password else ("phone", "code")
        missing = {name: ["Missing data for required field."] for name in needed
                   if name not in data}
        if missing:
            raise ValidationError(missing)


class SmsCodeRequest(Strict):
    """Ask for a sign-in code by SMS (workers)."""

    phone = fields.String(required=True, validate=MOBILE, metadata={
        "description": "A mainland mobile number, e.g. 13800138000."})


class SmsCodeResponse(Schema):
    """The same answer whether or not the number has an account."""

    sent = fields.Boolean(required=True, metadata={
        "description": "Always true: a code is on its way if the number has a worker account."})
    expires_in = fields.Integer(required=True, metadata={"example": 300})


class MeSchema(Schema):
    """The token's owner, as far as an app needs to know."""

    roles = fields.List(fields.String(), required=True)
    locale = fields.String(allow_none=True)
    health_data_consent = fields.Boolean(required=True)
    consent_version = fields.String(required=True)


class NotificationsSchema(Schema):
    """The person's channels and what they chose; essential notices (a booking made,
    changed or cancelled, a seat offered) reach at least one channel they have anyway."""

    channels = fields.List(fields.String(validate=validate.OneOf(["sms", "email"])),
                           required=True, metadata={
                               "description": "The channels the person has a contact for"})
    sms = fields.Boolean(required=True)
    email = fields.Boolean(required=True)
    reminders = fields.Boolean(required=True, metadata={
        "description": "Non-essential reminders (the day before a session, to repeat a "
                       "questionnaire)"})


class NotificationsRequest(Strict):
    """The whole choice; a channel the person has no contact for cannot be turned on."""

    sms = StrictBoolean(required=True)
    email = StrictBoolean(required=True)
    reminders = StrictBoolean(required=True)


class TokenResponse(Schema):
    """A bearer token; shown once, store it safely."""

    token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_at = fields.AwareDateTime(required=True)
    user = fields.Nested(MeSchema, required=True)


# -- instruments and screening -------------------------------------------------------------
class OptionSchema(Schema):
    points = fields.Integer(required=True)
    label = fields.String(required=True)


class ItemSchema(Schema):
    number = fields.Integer(required=True)
    text = fields.String(required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)


class ExtraQuestionSchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)


class BandSchema(Schema):
    code = fields.String(required=True)
    min = Score(required=True)
    max = Score(required=True)
    label = fields.String(required=True)
    advice = fields.String(required=True)
    suggest = fields.List(fields.String(), required=True)


class SubscaleTextSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    items = fields.List(fields.Integer(), required=True)
    min = Score(required=True)
    max = Score(required=True)
    bands = fields.List(fields.Nested(BandSchema), required=True)
    description = fields.String(required=True, allow_none=True, metadata={
        "description": "a plain explanation of the area (the career-interest areas have one)"})


class SafetySchema(Schema):
    flag = fields.String(required=True)
    crisis = fields.Boolean(required=True)
    message = fields.String(required=True)


class InstrumentText(Schema):
    """Every text of a questionnaire in one language."""

    code = fields.String(required=True)
    version = fields.String(required=True)
    lang = fields.String(required=True)
    abbreviation = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    minutes = fields.Integer(required=True)
    time_frame = fields.String(required=True)
    instructions = fields.String(required=True)
    direction = fields.String(required=True)
    min = Score(required=True)
    max = Score(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)
    extra_questions = fields.List(fields.Nested(ExtraQuestionSchema), required=True)
    subscales = fields.List(fields.Nested(SubscaleTextSchema), required=True)
    bands = fields.List(fields.Nested(BandSchema), required=True)
    safety = fields.List(fields.Nested(SafetySchema), required=True)
    sources = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "original, chinese_version, cutoffs, "
                                                   "wording (citations, in English)"})
    validation = fields.String(required=True, validate=validate.OneOf(
        ["validated", "adapted", "unvalidated"]), metadata={
        "description": "validated: a validated Chinese form verbatim; adapted: our wording "
                       "based on a cited Chinese validation; unvalidated: our own wording"})
    licence = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["screening", "exploration"]),
                         metadata={"description": "screening: bands of symptoms; exploration: "
                                                  "career interests, the subscales ranked, no "
                                                  "health result"})


class InstrumentSummary(Schema):
    """A questionnaire in the list."""

    code = fields.String(required=True)
    version = fields.String(required=True)
    abbreviation = fields.String(required=True)
    name = fields.Nested(BothLanguages, required=True)
    description = fields.Nested(BothLanguages, required=True)
    minutes = fields.Integer(required=True)
    items = fields.Integer(required=True, metadata={"description": "number of scored items"})


class InstrumentDetail(Schema):
    """One questionnaire, complete, in both languages."""

    code = fields.String(required=True)
    version = fields.String(required=True)
    zh = fields.Nested(InstrumentText, required=True)
    en = fields.Nested(InstrumentText, required=True)


class ScreeningRequest(Strict):
    """Answers in item order (points as printed), plus any unscored extra questions."""

    instrument = fields.String(required=True, validate=validate.Length(min=1, max=20),
                               metadata={"example": "phq9"})
    answers = fields.List(fields.Integer(strict=True), required=True,
                          validate=validate.Length(min=1, max=100),
                          metadata={"example": [0, 1, 0, 0, 1, 0, 0, 0, 0]})
    extra = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                        values=fields.Integer(strict=True), load_default=dict,
                        validate=validate.Length(max=10))
    anonymous = fields.Boolean(load_default=False, metadata={
        "description": "true: do not keep the result on the account; a retrieval code is "
                       "returned instead (always so without a token)."})


class RetrieveRequest(Strict):
    """The code shown once with an anonymous result."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SubscaleResultSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    score = Score(required=True)
    min = Score(required=True)
    max = Score(required=True)
    band = fields.String(required=True)
    band_label = fields.String(required=True)


class CrisisLineSchema(Schema):
    number = fields.String(required=True)
    dial = fields.String(required=True, metadata={"description": "for a tel: link"})
    description = fields.String(required=True)


class CentreContactSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True)


class CrisisResources(Schema):
    """Help to offer at once when an answer signals a crisis."""

    message = fields.String(required=True)
    lines = fields.List(fields.Nested(CrisisLineSchema), required=True)
    centres = fields.List(fields.Nested(CentreContactSchema), required=True)
    safety_messages = fields.List(fields.String(), required=True)


class ResultSchema(Schema):
    """A scored questionnaire."""

    id = fields.Integer(required=True)
    uid = fields.String(required=True, allow_none=True, metadata={
        "description": "the public id of a saved result: address it by this (the integer id "
                       "path is deprecated); null for an anonymous result"})
    instrument = fields.String(required=True)
    version = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    saved = fields.Boolean(required=True, metadata={
        "description": "true when kept on the account; false for an anonymous result"})
    retrieval_code = fields.String(allow_none=True, metadata={
        "description": "anonymous results only, and only in the answer to the submission"})
    total = Score(required=True)
    min = Score(required=True)
    max = Score(required=True)
    band = fields.String(required=True)
    band_label = fields.String(required=True)
    advice = fields.String(required=True)
    suggest = fields.List(fields.String(), required=True)
    flags = fields.List(fields.String(), required=True)
    crisis = fields.Boolean(required=True)
    crisis_resources = fields.Nested(CrisisResources, allow_none=True)
    subscales = fields.List(fields.Nested(SubscaleResultSchema), required=True)
    answers = fields.List(fields.Integer(), required=True)
    shared = fields.Boolean(required=True)
    followup = fields.Nested("FollowUpQuestions", allow_none=True, metadata={
        "description": "Questions to ask next (PHQ-9 item 9 above 0), until answered; send "
                       "the answers to /screenings/{id}/followup"})
    triage = fields.String(allow_none=True, metadata={
        "description": "urgent, high or standard, for a crisis answer; urgent: show 120/110 "
                       "and 'go to the nearest emergency department' first"})
    risk_item_open = fields.Boolean(required=True, metadata={
        "description": "a counsellor has been asked to contact the person about this result"})


class FollowUpOption(Schema):
    points = fields.Integer(required=True)
    label = fields.String(required=True)


class FollowUpQuestion(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    ask_if = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "asked only when these answers were given"})
    options = fields.List(fields.Nested(FollowUpOption), required=True)


class FollowUpQuestions(Schema):
    """The C-SSRS screener follow-up (our translation, marked unvalidated)."""

    code = fields.String(required=True)
    version = fields.String(required=True)
    abbreviation = fields.String(required=True)
    name = fields.String(required=True)
    instructions = fields.String(required=True)
    validated = fields.Boolean(required=True)
    questions = fields.List(fields.Nested(FollowUpQuestion), required=True)
    sources = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class FollowUpRequest(Strict):
    """Answers to the follow-up questions by question code (answer codes as printed)."""

    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                          values=fields.Integer(strict=True), required=True,
                          validate=validate.Length(min=1, max=20),
                          metadata={"example": {"wish_dead": 1, "thoughts": 0,
                                                "behaviour": 0, "safe_now": 0}})


class AnonymousFollowUpRequest(FollowUpRequest):
    """The follow-up answers of an anonymous result, named by its retrieval code."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ContactRequest(Strict):
    """Ask a counsellor to get in touch about one of my results."""

    centre_id = fields.Integer(strict=True, metadata={
        "description": "the centre that should call; default: my home centre"})
    phone = fields.String(validate=MOBILE, metadata={
        "description": "default: my account's phone number"})
    best_time = fields.String(load_default="any", validate=validate.OneOf(
        ["morning", "afternoon", "evening", "any"]))


class RiskItemSchema(Schema):
    """A request for contact as the person sees it."""

    id = fields.String(required=True, metadata={"description": "the item's random id"})
    centre_id = fields.Integer(required=True)
    triage = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)


class SafetyConsentRequest(Strict):
    """Give (given: true, with the version read) or withdraw (given: false) the consent."""

    text_version = fields.String(required=True, validate=validate.Length(min=1, max=20))
    given = fields.Boolean(load_default=True)


class SafetyPlanSteps(Schema):
    warning_signs = fields.String(validate=validate.Length(max=2000))
    coping = fields.String(validate=validate.Length(max=2000))
    distraction = fields.String(validate=validate.Length(max=2000))
    people = fields.String(validate=validate.Length(max=2000))
    professionals = fields.String(validate=validate.Length(max=2000))
    environment = fields.String(validate=validate.Length(max=2000))


class StrictSafetyPlanSteps(SafetyPlanSteps, Strict):
    pass


class SafetyPlanSchema(Schema):
    """My safety plan (Stanley-Brown steps, my words); empty steps when I have none yet."""

    steps = fields.Nested(SafetyPlanSteps, required=True)
    shared = fields.Boolean(required=True)
    updated_at = fields.AwareDateTime(allow_none=True)


class SafetyPlanRequest(Strict):
    """Replace the steps (omitted ones become empty) and/or turn sharing on or off."""

    steps = fields.Nested(StrictSafetyPlanSteps)
    shared = fields.Boolean()


class ConsentSchema(Schema):
    """The health-data consent a worker gives before results are kept."""

    purpose = fields.String(required=True)
    text_version = fields.String(required=True)
    given = fields.Boolean(required=True)
    summary = fields.List(fields.String(), required=True)


class ConsentRequest(Strict):
    """Agree to the consent text of this version (it must be the current one)."""

    text_version = fields.String(required=True, validate=validate.Length(min=1, max=20))


# -- centres, services, sessions, bookings -------------------------------------------------
class CentreSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    name = fields.Nested(BothLanguages, required=True)
    region = fields.Nested(BothLanguages, required=True)
    address = fields.Nested(BothLanguages, required=True)
    hours = fields.Nested(BothLanguages, required=True)
    phone = fields.String(required=True)
    service_ids = fields.List(fields.Integer(), required=True)


class ServiceSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.Nested(BothLanguages, required=True)
    description = fields.Nested(BothLanguages, required=True)
    duration_minutes = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    requires_confirmation = fields.Boolean(required=True)
    cancellation_window_hours = fields.Integer(required=True)
    min_notice_hours = fields.Integer(required=True)
    horizon_days = fields.Integer(required=True)


MODES = ("in_person", "phone", "video")
# The codes' shape, also stated in the document (so no NUL can pass as a query string).
CODE_WORD = validate.Regexp(r"^[a-z_]{1,20}$")


class CounsellorQuery(Schema):
    """Filters, all optional; other query parameters are ignored, as on the pages."""

    class Meta:
        unknown = EXCLUDE

    centre = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    specialty = fields.String(validate=[validate.OneOf(list(SPECIALTY_CODES)), CODE_WORD])
    language = fields.String(validate=[validate.OneOf(list(LANGUAGE_CODES)), CODE_WORD])
    gender = fields.String(validate=[validate.OneOf(["female", "male"]), CODE_WORD])
    mode = fields.String(validate=[validate.OneOf(MODES), CODE_WORD])


class CodeAndName(Schema):
    code = fields.String(required=True)
    name = fields.Nested(BothLanguages, required=True)


class QualificationSchema(CodeAndName):
    register_number = fields.String(required=True, metadata={
        "description": "the register's number (registered psychologists), else empty"})


class SessionQuery(Schema):
    """Filters: centre and service ids, and a time range (at most 31 days).

    Other query parameters (a cache-buster, ``lang``) are ignored, as on the pages.
    """

    class Meta:
        unknown = EXCLUDE

    centre = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    service = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    from_ = fields.AwareDateTime(data_key="from", metadata={
        "description": "ISO 8601 with offset, years 2000-2099; default now"})
    to = fields.AwareDateTime(metadata={
        "description": "ISO 8601 with offset, years 2000-2099; default from + 14 days"})


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    centre_id = fields.Integer(required=True)
    service_id = fields.Integer(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True)
    seats_left = fields.Integer(required=True)
    room = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES), metadata={
        "description": "in_person, phone (the counsellor calls the worker) or video"})


class CounsellorSchema(Schema):
    uid = fields.String(required=True)
    display_name = fields.String(required=True)
    photo_url = fields.String(required=True, allow_none=True, metadata={
        "description": "a JPEG served by the service itself, or null"})
    gender = fields.String(required=True, metadata={"description": "female, male or unsaid"})
    qualifications = fields.List(fields.Nested(QualificationSchema), required=True)
    specialties = fields.List(fields.Nested(CodeAndName), required=True)
    languages = fields.List(fields.Nested(CodeAndName), required=True)
    introduction = fields.Nested(BothLanguages, required=True)
    centre_ids = fields.List(fields.Integer(), required=True)
    next_free = fields.List(fields.Nested(SessionSchema), required=True, metadata={
        "description": "up to three sessions with a free seat, soonest first"})


class FreeDaysQuery(Schema):
    """Which days to count: from a local date (default today), for up to 31 days."""

    class Meta:
        unknown = EXCLUDE

    centre = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    service = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    from_ = fields.Date(data_key="from", metadata={
        "description": "a local (Asia/Shanghai) date, years 2000-2099; default today"})
    days = fields.Integer(strict=False, load_default=7, validate=validate.Range(min=1, max=31))


class FreeDaySchema(Schema):
    date = fields.Date(required=True)
    free = fields.Integer(required=True, metadata={
        "description": "sessions with a free seat that day (the booking page's count)"})


class FreeDaysSchema(Schema):
    days = fields.List(fields.Nested(FreeDaySchema), required=True)
    earliest = fields.Nested(SessionSchema, allow_none=True, required=True, metadata={
        "description": "the first session with a free seat at any centre (of the service, if "
                       "given), or null"})


class SessionRef(Strict):
    """Which session."""

    session_id = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=2**31 - 1))


class BookingSchema(Schema):
    id = fields.Integer(required=True)
    uid = fields.String(required=True, metadata={
        "description": "the public id: address this record by it (the integer id paths are "
                       "deprecated)"})
    session_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "description": "requested, confirmed, checked_in, attended, no_show, cancelled, "
                       "late_cancelled"})
    status_label = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    session = fields.Nested(SessionSchema, required=True)
    meeting_link = fields.String(required=True, allow_none=True, metadata={
        "description": "a video session's https link on the meeting platform (only in the "
                       "booked person's own booking while it holds a seat); null otherwise"})


class WaitlistSchema(Schema):
    id = fields.Integer(required=True)
    uid = fields.String(required=True, metadata={
        "description": "the public id: address this record by it (the integer id paths are "
                       "deprecated)"})
    session_id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "waiting or offered"})
    offer_expires_at = fields.AwareDateTime(allow_none=True)


class CourseSessionSchema(Schema):
    booking_uid = fields.String(required=True)
    date = fields.Date(required=True, metadata={"description": "the session's day (Shanghai)"})
    phq9 = fields.Integer(allow_none=True, required=True, metadata={
        "description": "PHQ-9 total filled before the session (0-27); null if not filled"})
    gad7 = fields.Integer(allow_none=True, required=True, metadata={
        "description": "GAD-7 total filled before the session (0-21); null if not filled"})


class CourseSchema(Schema):
    uid = fields.String(required=True)
    centre_id = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)
    measuring = fields.Boolean(required=True, metadata={
        "description": "the worker agreed to fill PHQ-9 and GAD-7 before each session of this "
                       "course (given on the course's page)"})
    asked = fields.List(fields.String(), required=True, metadata={
        "description": "uids of bookings whose questionnaires may be filled now, at "
                       "/courses/sessions/{uid} on the website"})
    sessions = fields.List(fields.Nested(CourseSessionSchema), required=True)
