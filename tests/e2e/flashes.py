"""Success messages say what happened (issue 16): patterns (zh, en) for the journeys to
find them in the page's success notice, whatever the day and time."""

CANCELLED = (r"^已取消 ", r"^Cancelled: ")
BOOKED = (r"^已预约 .+。详情已发送给您。$", r"^Booked: .+\. We have sent you the details\.$")
REQUESTED = (r"^已申请预约 .+，咨询师会尽快确认。$",
             r"^Requested: .+\. The counsellor will confirm it soon\.$")
MOVED = (r"^已改约到 .+。新的详情已发送给您。$",
         r"^Moved to .+\. We have sent you the new details\.$")
NOTE_SAVED = (r"^已保存 .+ 的记录。$", r"^Note saved for .+\.$")
STEP_RECORDED = (r"^已记录这一步：", r"^Step recorded: ")


def success(page, t, pattern: tuple[str, str]):
    """The page's success notice matching ``pattern`` in the visit's language."""
    import re

    return page.locator(".notice-success", has_text=re.compile(t(*pattern)))
