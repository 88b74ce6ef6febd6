"""``flask seed-demo``: a small, realistic network to try the service with. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.booking.demo import seed_profiles, seed_schedules
from app.booking.models import Centre, CentreKind, Service, ServiceKind
from app.events.demo import seed_network
from app.extensions import db
from app.library.starter import seed_library
from app.screening.seed import seed_screening

DEMO_PASSWORD = "Xinqing-demo-2026"  # noqa: S105  (development only; printed by make run)

CENTRES: list[dict[str, Any]] = [
    dict(code="qz-hub", kind=CentreKind.HUB, name_zh="泉州市工人文化宫 职工心理服务中心",
         name_en="Quanzhou Workers' Cultural Palace, Workers' Psychological Service Centre",
         region_zh="泉州市区", region_en="Quanzhou city",
         address_zh="泉州市丰泽区 工人文化宫（东海宫）三楼（演示地址）",
         address_en="3F, Workers' Cultural Palace (Donghai), Fengze District (demo address)",
         phone="0595-0000 0000",
         hours_zh="周一至周五 9:00–12:00，14:30–21:00；周六 9:00–17:00",
         hours_en="Mon–Fri 9:00–12:00, 14:30–21:00; Sat 9:00–17:00",
         directions_zh="公交东海宫站下车，步行约 3 分钟；门口有停车位。",
         directions_en="Bus to Donghai Palace stop, then a 3-minute walk; parking at the door."),
    dict(code="dehua", kind=CentreKind.COUNTY, name_zh="德化县职工心理幸福体验馆",
         name_en="Dehua County Workers' Psychological Well-being Centre",
         region_zh="德化县", region_en="Dehua County",
         address_zh="德化县 县工人文化宫二楼（演示地址）",
         address_en="2F, County Workers' Cultural Palace, Dehua (demo address)",
         phone="0595-0000 0001",
         hours_zh="周二至周六 9:00–12:00，14:30–17:30", hours_en="Tue–Sat 9:00–12:00, 14:30–17:30",
         directions_zh="县城中心，县总工会旁。", directions_en="Town centre, next to the county union."),
    dict(code="anxi", kind=CentreKind.COUNTY, name_zh="安溪县职工心理幸福体验馆",
         name_en="Anxi County Workers' Psychological Well-being Centre",
         region_zh="安溪县", region_en="Anxi County",
         address_zh="安溪县 职工服务中心一楼（演示地址）",
         address_en="1F, Workers' Service Centre, Anxi (demo address)",
         phone="0595-0000 0002",
         hours_zh="周一至周五 9:00–17:30", hours_en="Mon–Fri 9:00–17:30",
         directions_zh="职工服务中心大厅右转。", directions_en="Turn right in the service centre hall."),
    dict(code="yongchun", kind=CentreKind.COUNTY, name_zh="永春县职工心理幸福体验馆",
         name_en="Yongchun County Workers' Psychological Well-being Centre",
         region_zh="永春县", region_en="Yongchun County",
         address_zh="永春县 工人文化宫四楼（演示地址）",
         address_en="4F, County Workers' Cultural Palace, Yongchun (demo address)",
         phone="0595-0000 0003",
         hours_zh="周三至周日 9:00–17:00", hours_en="Wed–Sun 9:00–17:00",
         directions_zh="乘电梯至四楼。", directions_en="Take the lift to the fourth floor."),
]

SERVICES: list[dict[str, Any]] = [
    dict(code="counselling", kind=ServiceKind.INDIVIDUAL, name_zh="一对一心理咨询",
         name_en="One-to-one counselling", duration_minutes=50, capacity=1,
         requires_confirmation=True,
         description_zh="与心理咨询师单独谈一谈，内容保密。",
         description_en="A private conversation with a counsellor."),
    dict(code="group-stress", kind=ServiceKind.GROUP, name_zh="团体减压活动",
         name_en="Group stress relief", duration_minutes=90, capacity=12,
         description_zh="在团体训练师带领下，通过互动游戏和分享释放压力。",
         description_en="Interactive activities led by a group trainer to let stress go."),
    dict(code="relaxation", kind=ServiceKind.RELAXATION, name_zh="放松训练",
         name_en="Relaxation training", duration_minutes=45, capacity=8,
         description_zh="学习呼吸放松、肌肉放松等方法，回家也能练。",
         description_en="Learn breathing and muscle relaxation you can keep practising at home."),
    dict(code="assessment", kind=ServiceKind.ASSESSMENT, name_zh="专业测评与职业评估",
         name_en="Assessment and career evaluation", duration_minutes=60, capacity=1,
         requires_confirmation=True,
         description_zh="专业人员陪同完成测评，并解读结果、讨论职业发展。",
         description_en="Assessments with a professional, who explains the results with you."),
    dict(code="lecture", kind=ServiceKind.LECTURE, name_zh="心理健康公益讲座",
         name_en="Public mental-health lecture", duration_minutes=90, capacity=60,
         cancellation_window_hours=2,
         description_zh="面向职工的心理健康知识讲座。",
         description_en="Talks on mental health for workers."),
    # Remote sessions (issue 17). Video runs on an existing platform: the demo template
    # stands for the union's own Jitsi Meet; each session gets its own room.
    dict(code="counselling-video", kind=ServiceKind.INDIVIDUAL, mode="video",
         meeting_url_template="https://meet.example.org/{room}",
         name_zh="视频心理咨询", name_en="Counselling by video", duration_minutes=50,
         capacity=1, description_zh="在家或宿舍用手机视频与咨询师交谈，内容保密。",
         description_en="Talk with a counsellor by video from home or your dormitory."),
    dict(code="counselling-phone", kind=ServiceKind.INDIVIDUAL, mode="phone",
         name_zh="电话心理咨询", name_en="Counselling by phone", duration_minutes=50,
         capacity=1, description_zh="咨询师按预约时间给您打电话。",
         description_en="The counsellor calls you at the booked time."),
]


@dataclass(frozen=True)
class DemoUser:
    """A demo account, what it is for, the centres (by code) where staff work, and where
    their roles are held (``scope``; by default where they work)."""

    login: str
    roles: tuple[Role, ...]
    name: str
    centres: tuple[str, ...] = ()
    scope: tuple[str, ...] | None = None


DEMO_USERS = [
    DemoUser("admin@example.com", (Role.ADMIN,), "管理员 Admin", scope=("qz-hub",)),
    # County staff: they manage and report on their own centre only.
    DemoUser("anxi-admin@example.com", (Role.ADMIN,), "安溪管理员 Anxi admin", scope=("anxi",)),
    DemoUser("anxi-social@example.com", (Role.SOCIAL_WORKER,), "安溪社工 苏", ("anxi",)),
    DemoUser("counsellor1@example.com", (Role.COUNSELLOR,), "林老师", ("qz-hub", "dehua")),
    DemoUser("counsellor2@example.com", (Role.COUNSELLOR,), "陈老师", ("anxi", "qz-hub")),
    DemoUser("counsellor3@example.com", (Role.COUNSELLOR,), "黄老师", ("yongchun",)),
    DemoUser("social@example.com", (Role.SOCIAL_WORKER,), "社工 王", ("qz-hub",)),
    DemoUser("facilitator@example.com", (Role.FACILITATOR,), "志愿者 小周", ("dehua",)),
    DemoUser("13800138000", (Role.WORKER,), "小李"),
    DemoUser("worker2@example.com", (Role.WORKER,), "小张"),
]


def seed() -> dict[str, int]:
    """Create whatever of the demo network is missing; returns counts of what was created."""
    created = {"centres": 0, "services": 0, "users": 0}
    people = {}
    services = {}
    for spec in SERVICES:
        service = db.session.scalar(select(Service).where(Service.code == spec["code"]))
        if service is None:
            service = Service(**{**spec, "kind": spec["kind"].value})
            db.session.add(service)
            created["services"] += 1
        services[spec["code"]] = service
    hub = None
    centres = {}
    for spec in CENTRES:
        centre = db.session.scalar(select(Centre).where(Centre.code == spec["code"]))
        if centre is None:
            centre = Centre(**{**spec, "kind": spec["kind"].value}, parent=hub)
            centre.services = list(services.values())
            db.session.add(centre)
            created["centres"] += 1
        centre.services.extend(s for s in services.values() if s not in centre.services)
        centres[spec["code"]] = centre
        if spec["kind"] == CentreKind.HUB:
            hub = centre
    db.session.commit()
    for demo in DEMO_USERS:
        user = accounts.find_by_login(demo.login)
        if user is None:
            if demo.roles == (Role.WORKER,):
                user = accounts.register_worker(demo.login, DEMO_PASSWORD, name=demo.name,
                                                accepted_privacy_notice=True)
            else:
                where = demo.centres if demo.scope is None else demo.scope
                user = accounts.create_staff(email=demo.login, password=DEMO_PASSWORD,
                                             roles=demo.roles, name=demo.name,
                                             centre_ids=[centres[c].id for c in where])
            created["users"] += 1
        people[demo.login] = user
        for code in demo.centres:
            if user not in centres[code].staff:
                centres[code].staff.append(user)
    db.session.commit()
    _seed_lead(people["counsellor1@example.com"], centres["qz-hub"])
    created.update(seed_schedules(people, centres))
    created["counsellor profiles"] = seed_profiles(people)
    created["screening results"] = seed_screening(centres["qz-hub"])
    created["library items"] = seed_library(people["counsellor1@example.com"],
                                            people["counsellor2@example.com"])
    created.update(seed_network(people, centres))
    from app.counselling.course_demo import seed_courses

    created["courses of care"] = seed_courses(people, centres["qz-hub"],
                                              services["counselling"], DEMO_PASSWORD)
    return created


def _seed_lead(counsellor: User, hub: Centre) -> None:
    """The hub's lead counsellor receives escalations of overdue risk items."""
    from app.counselling.risk_models import risk_leads
    from app.counselling.risk_queue import set_lead

    if db.session.scalar(select(risk_leads.c.user_id).where(
            risk_leads.c.centre_id == hub.id, risk_leads.c.user_id == counsellor.id)) is None:
        set_lead(counsellor, hub)


STAFF_FIRST_SIGN_IN = """
Staff (counsellor, social worker, admin, facilitator) need an authenticator app on their first sign-in:
  1. install any TOTP app on a phone (Google Authenticator, Microsoft Authenticator,
     FreeOTP, 1Password ...);
  2. sign in with the password above: the page shows a QR code; scan it (or type the key
     printed under it) in the app;
  3. type the 6-digit code the app shows, and keep the recovery codes the next page shows.
  After that each staff sign-in asks for the app's current code. Workers sign in with the
  password (or an SMS code) only. A lost phone: sign in with a recovery code, or an admin
  resets the app under Administration > Staff accounts.
"""


@click.command("seed-demo")
@click.option("--history", type=click.IntRange(min=0), default=0,
              help="Top the de-identified report statistics up to this many screenings "
                   "(synthetic, over 24 months, bulk-loaded).")
def seed_demo(history: int) -> None:
    """Create the demo centres, services and accounts (development and testing only)."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-demo creates accounts with a published password; "
                                   "it does not run in production.")
    created = seed()
    if history:
        from app.reports.history import generate

        created["report statistics"] = generate(history)
    click.echo("demo data: created " + ", ".join(f"{n} {k}" for k, n in created.items()))
    if current_app.config.get("SHOW_DEMO_CREDENTIALS"):
        click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for demo in DEMO_USERS:
            click.echo(f"  {', '.join(r.value for r in demo.roles):<14} {demo.login}")
        click.echo(STAFF_FIRST_SIGN_IN)
