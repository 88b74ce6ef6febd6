"""The starter set of articles, written for Xinqing (plain 您-Chinese and English).

General psychoeducation for working people, reviewed by no clinician yet: the centres'
counsellors should read, adapt and re-approve them in the app before relying on them.
Tags: a topic, then the questionnaire bands each article suits (see ``tags.py``).
"""

from __future__ import annotations

from typing import Any

ARTICLES: list[dict[str, Any]] = [
    dict(tags=["stress", "pss10.moderate", "pss10.high", "k10.moderate", "cbi.moderate",
               "gad7.mild", "phq15.medium", "auditc.women_cutoff"],
         zh=("压力大的时候，先做这三件小事", "压力不会一下子消失，但可以一点点减轻。", """
压力本身不是坏事，它提醒我们有事情需要处理。可是压力一直不退，人就会累、会烦、睡不好。

## 第一件：把事情写下来
拿一张纸，把让您烦心的事一条条写下来。再在旁边标上：哪些是今天能做的，哪些是过几天再做的，哪些是自己管不了的。管不了的事，先放一放。

## 第二件：给身体一点空档
每工作一两个小时，站起来走几步，喝口水，做三次慢慢的呼吸：吸气数到4，呼气数到6。身体放松一点，心也会跟着松一点。

## 第三件：找一个人说说
压力憋在心里会越来越重。和信任的同事、朋友或家人说几句，不一定要他们帮您解决，说出来本身就有帮助。

如果压力已经影响到睡眠、吃饭或者和家人的关系，并且持续了两周以上，可以预约中心的心理咨询师聊一聊。
""".strip()),
         en=("Three small things to do when stress builds up",
             "Stress does not vanish at once, but you can ease it step by step.", """
Stress is not all bad: it tells us something needs attention. But when it never lets up, we get tired, irritable and sleep badly.

## One: write it down
Take a sheet of paper and list what is on your mind. Mark each line: can I do something about it today, later this week, or is it out of my hands? Set aside what is out of your hands for now.

## Two: give your body a break
Every hour or two, stand up, walk a few steps, drink some water and take three slow breaths: in for a count of 4, out for a count of 6. When the body loosens a little, the mind follows.

## Three: tell someone
Stress kept inside grows heavier. Talk to a colleague, friend or family member you trust. They do not have to solve anything; saying it out loud helps by itself.

If stress has been affecting your sleep, appetite or family life for more than two weeks, book a talk with one of the centre's counsellors.
""".strip())),
    dict(tags=["sleep", "phq9.mild", "phq9.moderate", "who5.reduced", "k10.moderate", "phq15.low"],
         zh=("睡不好觉怎么办", "几个简单的习惯，帮您慢慢睡得好一些。", """
偶尔睡不好很常见。如果经常睡不着、半夜醒来或者醒得太早，可以先试试下面这些办法。

## 每天同一时间起床
就算前一晚没睡好，也尽量在差不多的时间起床。规律的起床时间，是把睡眠调回来的第一步。

## 床只用来睡觉
躺在床上二十分钟还睡不着，就起来到另一个房间，做点安静的事（看看纸质书、听听轻音乐），有困意再回去。不要躺在床上刷手机。

## 睡前少喝茶、咖啡和酒
下午以后少喝浓茶和咖啡。酒虽然让人犯困，但会让后半夜睡得更浅。

## 把心事留在床外
睡前花十分钟，把明天要做的事和担心的事写在纸上，告诉自己：“明天再想。”

如果失眠持续一个月以上，或者白天已经撑不住，请到医院看看睡眠门诊或心理科，也可以预约中心的咨询师。
""".strip()),
         en=("When you cannot sleep", "A few simple habits that help sleep come back, little by little.", """
Everyone sleeps badly now and then. If you often cannot fall asleep, wake in the night or wake too early, try these first.

## Get up at the same time every day
Even after a bad night, get up at about the usual time. A regular waking time is the first step to bringing sleep back.

## Keep the bed for sleeping
If you have been lying awake for about twenty minutes, get up, go to another room and do something quiet (a paper book, soft music). Go back when you feel sleepy. Do not lie in bed scrolling your phone.

## Less tea, coffee and alcohol late in the day
Avoid strong tea and coffee after lunchtime. Alcohol makes you drowsy but makes the second half of the night lighter and more broken.

## Leave worries outside the bed
Ten minutes before bed, write down tomorrow's tasks and worries, and tell yourself: "I will think about this tomorrow."

If poor sleep lasts more than a month, or you can hardly get through the day, see a doctor at a sleep clinic or psychology department, or book a talk with a counsellor here.
""".strip())),
    dict(tags=["mood", "phq9.mild", "phq9.moderate", "phq9.moderately_severe", "who5.low",
               "who5.reduced", "k10.high", "phq4.mild", "phq4.moderate", "phq4.severe"],
         zh=("心情低落的时候", "什么都提不起劲时，可以从很小的一步开始。", """
心情低落时，人常常什么都不想做，越不做，心情又越差。这是一个很常见的循环。

## 从很小的事情做起
不用等有了心情再行动。先定一件很小、今天就能做完的事：出门走十分钟、洗个澡、给朋友发一条消息。做完了，给自己记一笔。

## 留意让您好一点的时刻
一天里总有稍微好一点的时候：喝到一杯热茶、听到一首老歌。晚上把它们写下来，慢慢您会发现，低落并不是全部。

## 不要一个人扛着
低落时人容易躲起来。试着每天和一个人说说话，哪怕只是几句家常。

## 什么时候要找专业帮助
如果低落持续两周以上，影响到工作和生活，或者出现“活着没意思”的念头，请尽快预约心理咨询，或到医院心理科、精神科就诊。需要马上有人陪您说话，可以拨打心理援助热线 12356。
""".strip()),
         en=("When your mood is low", "When nothing seems worth the effort, start with one very small step.", """
When mood is low, we often stop doing things, and doing less makes the mood lower still. It is a very common circle.

## Start very small
Do not wait until you feel like it. Pick one small thing you can finish today: a ten-minute walk, a shower, a message to a friend. When it is done, note it down.

## Notice the moments that are a little better
Most days have a slightly better moment: a cup of hot tea, an old song. Write them down in the evening; in time you will see the low mood is not the whole picture.

## Do not carry it alone
Low mood makes us withdraw. Try to talk with one person each day, even just small talk.

## When to get professional help
If the low mood lasts more than two weeks and gets in the way of work and life, or you have thoughts that life is not worth living, book counselling soon or see a doctor at a hospital psychology or psychiatry department. If you need someone to talk to right now, call the psychological assistance hotline 12356.
""".strip())),
    dict(tags=["worry", "gad7.mild", "gad7.moderate", "gad7.severe", "k10.moderate", "phq4.mild",
               "phq4.moderate"],
         zh=("停不下来的担心", "给担心定一个时间，让它不再占满一整天。", """
担心是大脑在为可能的麻烦做准备。可是当担心一直转个不停，人就会紧张、心慌、睡不好。

## 给担心安排一个“时间段”
每天固定十五分钟作为“担心时间”。其他时候担心冒出来，就先记在手机或本子上，对自己说：“到时间再想。”到了那十五分钟，再认真看一看这些事。

## 分清“能做点什么”和“做不了什么”
对每一件担心的事问自己：我现在能做点什么吗？能，就写下第一步；不能，就练习先放下，把注意力放回手头的事情上。

## 让身体先平静下来
心慌、手抖、胸口发紧时，先做几次慢呼吸：吸气数到4，呼气数到6。呼气比吸气长，身体会慢慢安定下来。

如果担心已经影响工作和睡眠好几周，建议预约心理咨询，或到医院心理科做一次评估。
""".strip()),
         en=("Worry that will not stop", "Give worry a set time so it no longer fills the whole day.", """
Worry is the mind preparing for trouble. But when it keeps going round and round, we feel tense, jittery and sleep badly.

## Give worry a time slot
Set aside fifteen minutes at the same time each day as "worry time". When a worry pops up at other times, jot it down and tell yourself: "Later, in worry time." In those fifteen minutes, look at the list properly.

## Separate what you can act on from what you cannot
For each worry ask: is there something I can do now? If yes, write down the first step. If not, practise setting it aside and bring your attention back to what is in front of you.

## Calm the body first
When your heart races, hands shake or chest feels tight, take a few slow breaths: in for a count of 4, out for a count of 6. A longer out-breath helps the body settle.

If worry has been affecting your work and sleep for several weeks, book a counselling session or ask a hospital psychology department for an assessment.
""".strip())),
    dict(tags=["anger", "pss10.moderate", "pss10.high", "k10.high"],
         zh=("控制不住脾气的时候", "生气是正常的，重要的是怎么处理。", """
工作累、事情多的时候，人更容易发火。生气本身没有错，但冲动之下说的话、做的事，常常让自己后悔。

## 先停一下
感觉火气往上冲时，先离开现场几分钟：去洗把脸、到外面走一走。心里数到十，或者做几次慢呼吸。

## 看看火从哪里来
平静下来后问问自己：我真正在意的是什么？是觉得不被尊重，还是太累了？很多时候，生气的背后是疲劳、委屈或者担心。

## 用“我”来说
想表达不满时，试着说“我觉得……因为……我希望……”，而不是一开口就指责对方“总是这样”。这样对方更容易听进去。

## 照顾好自己的底子
睡眠不足、空腹、喝酒以后，人更容易发脾气。

如果发脾气已经伤害到家人或同事，或者您担心自己会动手，请尽快预约心理咨询。
""".strip()),
         en=("When your temper gets away from you", "Anger is normal; what matters is what you do with it.", """
When work is tiring and there is too much to do, tempers flare more easily. Being angry is not wrong, but words and actions in the heat of the moment are often regretted.

## Pause first
When you feel the anger rising, step away for a few minutes: splash water on your face or walk outside. Count to ten, or take a few slow breaths.

## Look at where it comes from
Once calmer, ask yourself: what do I really care about here? Feeling disrespected, or simply exhausted? Behind anger there is often tiredness, hurt or worry.

## Speak from "I"
To say what bothers you, try "I feel ... because ... and I would like ..." rather than "You always ...". People can hear it more easily.

## Look after the basics
Lack of sleep, an empty stomach and alcohol all shorten the fuse.

If your temper has hurt family or colleagues, or you worry you might hit someone, book a counselling session soon.
""".strip())),
    dict(tags=["grief", "phq9.mild", "k10.high", "k10.very_high"],
         zh=("失去亲人以后", "悲伤没有标准的样子，也没有规定的时间。", """
失去亲人或重要的人，是人生中最难的经历之一。悲伤可能表现为哭泣、麻木、生气、内疚，也可能是睡不好、吃不下、注意力不集中。这些都是常见的反应。

## 允许自己难过
不必逼自己“快点好起来”。有的日子会好一些，有的日子又会突然很难受，特别是在节日和纪念日。

## 照顾好基本生活
按时吃饭、尽量休息、每天出门走一走。悲伤很耗体力。

## 和别人说说那个人
和家人、朋友一起回忆逝去的人，讲讲他（她）的故事。很多人发现，说出来比憋着好受。

## 可以请假，也可以求助
如果可以，和单位商量一下工作安排。几个月过去了仍然每天都很痛苦、无法工作，或者有不想活下去的念头，请预约心理咨询，或拨打心理援助热线 12356。
""".strip()),
         en=("After losing someone close", "Grief has no right shape and no set timetable.", """
Losing a family member or someone important is among the hardest things in life. Grief can show as crying, numbness, anger or guilt, and as poor sleep, no appetite or trouble concentrating. These are all common reactions.

## Allow yourself to be sad
You do not have to "get over it" quickly. Some days are easier, and then a day suddenly hurts again, especially around holidays and anniversaries.

## Keep up the basics
Eat regularly, rest when you can, go outside each day. Grief is physically tiring.

## Talk about the person
Share memories and stories of the person with family and friends. Many people find that speaking helps more than holding it in.

## Time off and help are allowed
If you can, talk to your employer about your workload. If months later you are still in pain every day, cannot work, or have thoughts of not wanting to live, book counselling or call the psychological assistance hotline 12356.
""".strip())),
    dict(tags=["shift_work", "sleep", "cbi.low", "cbi.moderate", "cbi.high", "who5.good"],
         zh=("倒班、上夜班的人怎么照顾自己", "夜班后的睡眠和饮食，有一些实用的小办法。", """
倒班和夜班打乱了身体的“生物钟”，容易睡不好、胃口差、情绪起伏大。下面这些办法可以帮您少受点罪。

## 下夜班后怎么睡
回家路上戴上墨镜，减少阳光刺激。到家后尽快睡，卧室拉上遮光窗帘，手机调成静音。和家人约好，您睡觉的几个小时里尽量不打扰。

## 吃什么、什么时候吃
夜班中间吃一顿清淡的正餐，少吃油炸和甜食。下班后吃点简单的再睡，不要空腹或吃得太饱。

## 咖啡因要算好时间
需要提神可以在夜班前半段喝茶或咖啡，下班前四个小时就别喝了。

## 留出和家人朋友的时间
倒班容易让人和别人错开。把休息日提前告诉家人，安排一件一起做的事。

如果长期倒班让您觉得身心耗尽，可以预约心理咨询，也可以参加中心的放松训练。
""".strip()),
         en=("Looking after yourself on shifts and nights", "Practical ways to sleep and eat around night shifts.", """
Shift and night work upset the body clock, so sleep, appetite and mood can all suffer. These habits help.

## Sleeping after a night shift
Wear sunglasses on the way home to cut down bright light. Go to sleep soon after you get in, with blackout curtains and your phone on silent. Agree with your family that you are not disturbed during those hours.

## What and when to eat
Have one light proper meal in the middle of the night shift, with less fried and sugary food. After the shift, eat something simple before sleeping: neither hungry nor too full.

## Time your caffeine
Tea or coffee helps early in the shift; stop about four hours before it ends.

## Keep time for family and friends
Shifts make it easy to miss each other. Tell your family your days off in advance and plan one thing to do together.

If years of shifts have left you worn out, book a counselling session, or join one of the centre's relaxation training sessions.
""".strip())),
    dict(tags=["money", "gad7.mild", "pss10.high", "k10.moderate"],
         zh=("为钱发愁的时候", "钱的压力很真实，一步一步来会好应对一些。", """
房贷、孩子上学、老人看病、工资不稳……钱的压力是很多职工最大的压力来源。它让人睡不好、脾气差，也容易和家人起争执。

## 把账摊开
找一个安静的时间，把每月的收入和必须的支出写下来。看清楚了，很多模糊的害怕会变小，也更容易找到可以调整的地方。

## 先处理最急的一件
欠款多的时候，先弄清楚哪一笔最急、利息最高，从那里开始。不要为了还旧账去借高利贷或网贷。

## 知道哪里可以求助
工会有困难职工帮扶政策，社区和街道也有救助渠道。遇到劳动报酬、工伤等问题，可以咨询工会的法律援助。

## 和家人一起商量
一个人扛着会更累。和家人坦诚地谈谈家里的情况，一起想办法。

如果为钱发愁已经让您整夜睡不着，或者觉得走投无路，请预约心理咨询，或拨打心理援助热线 12356。
""".strip()),
         en=("When money is the worry", "Money pressure is real; taking it one step at a time makes it easier to face.", """
Mortgage, school fees, a parent's medical bills, uncertain pay: for many workers money is the biggest source of stress. It disturbs sleep, shortens tempers and causes family arguments.

## Lay it all out
At a quiet moment, write down your monthly income and the spending you cannot avoid. Once it is clear, vague fears often shrink and it is easier to see what can change.

## Deal with the most urgent first
If you owe money in several places, find out which debt is most urgent or has the highest interest and start there. Do not take loan-shark or online loans to pay old debts.

## Know where help is
The union has support for workers in hardship, and communities and street offices have relief schemes. For unpaid wages or work injuries, ask about the union's legal aid.

## Talk it over at home
Carrying it alone is harder. Talk honestly with your family about the situation and look for a way together.

If money worries keep you awake at night or make you feel there is no way out, book a counselling session or call the psychological assistance hotline 12356.
""".strip())),
    dict(tags=["family", "phq9.minimal", "who5.good", "pss10.low", "k10.low", "phq4.normal"],
         zh=("怎么和家人说说心里话", "把感受说出口，家人才知道怎么帮您。", """
很多人觉得，心里难受说出来是“给家里添麻烦”，于是一个人闷着。其实家人往往看得出您不对劲，只是不知道怎么开口。

## 挑一个合适的时候
不要在吵架时、吃饭赶时间时谈。找一个双方都比较放松的时候，比如饭后散步。

## 说感受，不只是说事情
除了说“最近加班多”，也说说“我觉得很累，有点撑不住”。感受说出来，对方才知道事情有多重。

## 说清楚您需要什么
您需要的可能只是有人听，也可能是帮忙分担家务、接送孩子。直接说出来，家人会更容易做到。

## 也听听他们的
家人也有自己的担心。轮流说，轮流听，不急着给建议。

如果家里的矛盾一直解决不了，中心也可以提供家庭关系方面的咨询。
""".strip()),
         en=("Talking to your family about how you feel", "When you put feelings into words, your family can see how to help.", """
Many people think that sharing their troubles "burdens the family", so they keep quiet. Yet family members often sense something is wrong and simply do not know how to ask.

## Choose a good moment
Not in the middle of an argument or a rushed meal. Find a time when you are both relaxed, such as a walk after dinner.

## Share feelings, not only facts
Besides "I have had a lot of overtime", say "I feel exhausted and I am struggling". Feelings show how heavy things are.

## Say what you need
Perhaps you only need someone to listen; perhaps help with chores or the school run. Saying it plainly makes it easier for them.

## Listen to them too
Your family has worries of their own. Take turns to speak and to listen, without rushing to give advice.

If conflicts at home keep coming back, the centre can also offer counselling about family relationships.
""".strip())),
    dict(tags=["help", "phq9.moderately_severe", "gad7.moderate", "gad7.severe", "k10.very_high",
               "who5.low", "cbi.high", "phq4.moderate", "phq4.severe", "auditc.increased_risk",
               "auditc.high_risk", "phq15.medium", "phq15.high"],
         zh=("什么时候、到哪里寻求帮助", "不用等到撑不住，早一点求助更好。", """
找人帮忙不是软弱。就像身体不舒服会去看医生，心里长期难受，也值得找专业的人聊一聊。

## 这些时候，建议尽快求助
- 心情低落、紧张或烦躁持续两周以上
- 睡眠、吃饭、工作明显受到影响
- 常常喝酒或者用别的方法“麻醉”自己
- 出现伤害自己或者不想活下去的念头

## 可以去哪里
- **职工心理服务中心**：在本应用里预约一对一心理咨询、团体减压或放松训练，服务免费、保密。
- **医院心理科、精神科**：需要诊断或药物治疗时，请到医院就诊。只有医生能做诊断。
- **心理援助热线 12356**：全国统一热线，随时可以打。

## 情况紧急时
如果您或身边的人有立即的危险，请马上拨打 **120** 或 **110**。
""".strip()),
         en=("When and where to get help", "You do not have to wait until you cannot cope; earlier is better.", """
Asking for help is not weakness. Just as you see a doctor when your body is unwell, lasting distress is worth talking over with a professional.

## Get help soon if
- low mood, tension or irritability have lasted more than two weeks
- your sleep, eating or work are clearly affected
- you often drink or use other ways to numb yourself
- you have thoughts of hurting yourself or of not wanting to live

## Where to go
- **The workers' psychological centres**: book one-to-one counselling, a group stress-relief session or relaxation training in this app; free and confidential.
- **A hospital psychology or psychiatry department**: for a diagnosis or medication. Only a doctor can diagnose.
- **The psychological assistance hotline 12356**: a national number you can call any time.

## In an emergency
If you or someone near you is in immediate danger, call **120** or **110** now.
""".strip())),
    dict(tags=["stress", "phq9.minimal", "gad7.minimal", "pss10.low", "k10.low", "who5.good",
               "cbi.low", "phq4.normal", "auditc.lower_risk", "phq15.minimal"],
         zh=("状态不错时，也给自己加加油", "好的习惯在状态好时养成，难的时候才用得上。", """
您最近的状态还不错，这很好。心理健康和身体健康一样，平时的“保养”最重要。

## 睡眠、运动、吃饭
保持规律作息，每天活动二三十分钟，快走也算。三餐尽量按时。

## 留一点属于自己的时间
每天哪怕十分钟，做一件让自己开心的事：听歌、养花、下棋、和孩子玩。

## 维护好身边的关系
常和朋友、同事、家人联系。关系是遇到困难时最重要的支撑。

## 学一个放松方法
趁现在有精力，学会一种放松方法，比如本库里的呼吸练习。压力来的时候，就能马上用上。

状态会随时间和环境变化。过几周可以再做一次问卷，看看自己的变化。
""".strip()),
         en=("Keeping well when things are going well", "Good habits built in good times are there when times get hard.", """
You have been doing well lately, and that is good. Like physical health, mental health is mostly kept up day by day.

## Sleep, movement, meals
Keep regular hours, move for twenty to thirty minutes a day (a brisk walk counts) and eat at regular times.

## Keep a little time for yourself
Even ten minutes a day for something you enjoy: music, plants, a game of chess, playing with your children.

## Look after your relationships
Stay in touch with friends, colleagues and family. They are the main support when things get difficult.

## Learn one way to relax
While you have the energy, learn one relaxation method, such as the breathing exercise in this library. When stress arrives, it is ready to use.

How we feel changes with time and circumstances. Take the questionnaire again in a few weeks to see how you are doing.
""".strip())),
    dict(tags=["burnout", "cbi.moderate", "cbi.high", "pss10.high"],
         zh=("累到不想上班：关于职业倦怠", "倦怠不是偷懒，是长期透支的信号。", """
职业倦怠常见的样子是：身体和精神都很疲惫，对工作提不起兴趣，觉得怎么做都没意义，下班后也缓不过来。

## 这不是您的错
倦怠往往来自长期的高强度工作、缺少休息和支持，而不是个人不够努力。

## 先把“电量”补回来
- 尽量保证睡眠，休息日真正休息，不带工作回家
- 每天安排一点让自己恢复精力的事：运动、晒太阳、和朋友聊天

## 看看能调整什么
和主管或同事谈谈工作量、排班和分工。一个人能改变的有限，但说出来，才有调整的可能。工会也可以帮助反映职工的合理诉求。

## 及时求助
如果倦怠已经持续几个月，并且伴随失眠、情绪低落，建议预约个体心理咨询，或参加中心的团体减压活动。
""".strip()),
         en=("Too tired to face work: about burnout", "Burnout is not laziness; it is the sign of running on empty for too long.", """
Burnout often looks like this: worn out in body and mind, no interest in the job, a sense that nothing you do matters, and no recovery even after work.

## It is not your fault
Burnout usually comes from long periods of heavy work with too little rest and support, not from a lack of effort.

## Recharge first
- Protect your sleep; on days off, rest properly and leave work at work
- Each day, do something that restores your energy: exercise, sunlight, a chat with a friend

## See what can change
Talk with your supervisor or colleagues about workload, shifts and tasks. One person can change only so much, but nothing changes unless it is said. The union can help raise workers' reasonable concerns too.

## Get help in time
If burnout has lasted for months, with poor sleep or low mood, book an individual counselling session or join one of the centre's group stress-relief sessions.
""".strip())),
    dict(tags=["alcohol", "auditc.lower_risk", "auditc.women_cutoff", "auditc.increased_risk",
               "auditc.high_risk"],
         zh=("喝酒这件事，可以少一点", "应酬、解乏、睡不着时喝两口？看看怎样喝得更少、更安全。", """
很多人下班后喝点酒解乏，应酬时也常常推不掉。可是酒精会让睡眠变浅、心情更容易低落，也会伤肝、伤胃、升高血压。对健康来说，喝得越少越好。

## 先弄清自己喝了多少
一个“标准杯”大约含10克纯酒精：约一小杯（250毫升）啤酒、一杯（100毫升）葡萄酒，或半两（25毫升）52度白酒。一瓶500毫升的啤酒就差不多是两杯。

## 几个减少的办法
- 每周定几天完全不喝酒。
- 喝之前先定好今天最多喝几杯，喝完就换成茶或水。
- 不空腹喝，不拼酒；应酬时可以说“我在吃药”或“明天要早起上班”。
- 不用酒来帮助睡觉或排解烦恼：它让人更快睡着，却让后半夜睡得更差。

## 需要帮助的时候
如果您发现很难少喝、喝了就停不下来，或者家人常为喝酒的事担心，可以预约中心的心理咨询师聊一聊，也可以到医院的精神科、心理科或戒酒门诊做评估。每天大量喝酒的人，请不要自己突然完全停酒，先问医生，因为突然停酒可能有危险。
""".strip()),
         en=("Drinking a little less", "A drink after work, at a business dinner, to help you sleep? How to drink less and more safely.", """
Many people drink to unwind after work, and at business dinners it can be hard to say no. But alcohol makes sleep lighter and low mood more likely, and it harms the liver and stomach and raises blood pressure. For health, the less the better.

## Know how much you drink
A "standard drink" holds about 10 grams of pure alcohol: about a small glass (250 ml) of beer, a glass (100 ml) of wine, or 25 ml of 52% spirits such as baijiu. A 500 ml bottle of beer is about two drinks.

## Ways to cut down
- Keep a few days each week completely alcohol-free.
- Decide before you start how many drinks you will have, then switch to tea or water.
- Do not drink on an empty stomach or in drinking contests; at dinners you can say you are on medication or have an early shift.
- Do not use alcohol to get to sleep or to drown worries; it helps you fall asleep but makes the second half of the night worse.

## When to get help
If cutting down is hard, if you cannot stop once you start, or if your family often worries about your drinking, book a talk with one of the centre's counsellors, or ask for an assessment at a hospital psychiatry or psychology department or an alcohol clinic. If you drink heavily every day, do not stop suddenly on your own; ask a doctor first, as stopping suddenly can be dangerous.
""".strip())),
    dict(tags=["career", "interests.profile"],
         zh=("了解自己的职业兴趣", "兴趣不是唯一的答案，却是一个好的起点。", """
做自己感兴趣的事，人往往更投入、也更不容易累。职业兴趣探索帮您看看：您更喜欢和东西打交道，还是和人、和想法、和数据打交道。

## 六种兴趣类型
- **现实型**：动手做事，和工具、机器、材料打交道。
- **研究型**：想问题、找原因、做实验。
- **艺术型**：创作、设计、表达。
- **社会型**：帮助、教导、照顾别人。
- **企业型**：带头、说服、做决定。
- **常规型**：整理数据和记录，按规则把事做准确。

大多数人不止一种兴趣，排在前两三位的组合最有参考价值。

## 兴趣只是一部分
适不适合一份工作，还要看能力、经验、身体条件、收入和家里的安排。兴趣也会随经历变化。探索的结果只是和自己对话的起点，不是结论。

## 下一步
可以预约中心的“专业测评与职业评估”，和专业人员一起看看您的兴趣、能力和下一步的打算。
""".strip()),
         en=("Getting to know your career interests", "Interests are not the only answer, but they are a good place to start.", """
People tend to be more engaged, and tire less, when they do work that interests them. A career-interest exploration helps you see whether you prefer working with things, with people, with ideas or with data.

## Six kinds of interest
- **Realistic**: hands-on work with tools, machines and materials.
- **Investigative**: thinking problems through, finding causes, experimenting.
- **Artistic**: creating, designing, expressing.
- **Social**: helping, teaching and caring for people.
- **Enterprising**: leading, persuading, deciding.
- **Conventional**: keeping data and records, doing things accurately by the rules.

Most people have more than one interest; your top two or three together say the most.

## Interests are only one part
Whether a job suits you also depends on skills, experience, health, pay and family arrangements, and interests change with experience. An exploration is a starting point for thinking, not a verdict.

## Next step
Book the centre's "assessment and career evaluation" to go through your interests, skills and plans with a professional.
""".strip())),
    dict(tags=["career", "stress", "interests.profile"],
         zh=("换工作、转岗之前，可以想清楚的几件事", "变动前多想一步，心里更有底。", """
想换工作或者转岗，是很常见的念头：可能是太累、收入不够、和同事处不来，也可能是想学点新东西。变动前把几件事想清楚，心里会更踏实。

## 想一想：我想离开的是什么，想得到的是什么
把现在工作里让您难受的事和您看重的事分开写下来。有时候换一个班组或岗位就能解决，不一定要换行业。

## 了解新方向的真实情况
问问做这一行的人：一天都做什么？累在哪里？需要什么证书？工会和人社部门的技能培训，很多是免费或有补贴的。

## 照顾好自己
变动期压力大，睡眠和情绪容易受影响。如果一直焦虑、睡不好，可以预约心理咨询；想系统地了解自己的兴趣和能力，可以预约中心的职业评估。
""".strip()),
         en=("Before you change jobs or roles: a few things to think through", "Thinking one step ahead makes a change feel safer.", """
Wanting to change jobs or roles is common: the work may be too tiring, the pay too low, colleagues difficult, or you may want to learn something new. Thinking a few things through before a change makes it feel steadier.

## What do I want to leave, and what do I want to gain?
Write down, separately, what makes your current job hard and what you value in it. Sometimes moving to another team or post solves it, without changing trade.

## Find out what the new direction is really like
Ask people who do that work: what does a day look like, what is hard, which certificates are needed? Many skills courses from the union and the human resources and social security bureau are free or subsidised.

## Look after yourself
A time of change is stressful, and sleep and mood can suffer. If worry or poor sleep goes on, book a counselling session; to look at your interests and skills properly, book the centre's career evaluation.
""".strip())),
]
