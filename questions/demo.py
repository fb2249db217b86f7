"""The demo district's questions (demo step "questions", order 400; `credit_portal.demo`):
about forty questions from the four-party channel's outside parties (consumers, merchants,
market managers, others) over the last weeks, in the bureau's everyday Chinese: annual reports,
credit repair, the market and the portal. Most are answered; some wait (a few overdue); one
holds a link and markup (flagged, shown escaped, not published); spam and a duplicate are
closed; a shop's refusal to refund is moved into the leads as a complaint, a report of food
sold without a licence as an anonymous report, each on its own legal clock from the day the
message came in. Twelve FAQ entries are published in the bureau's wording.

Deterministic for (as_of, seed) and idempotent: a district that has questions gets none more.
Every write goes through the services (audited), as staff would make it: the credit officer
("credit") answers and moves, the supervisor ("supervisor") publishes."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from credit_portal.models import User
from credit_portal.workdays import is_working_day
from inspections.models import Lead
from questions.models import FaqEntry, Party, Question, Topic

STEP_ORDER = 400
ANSWERER = "credit"
PUBLISHER = "supervisor"

C, M, MM, OP = Party.CONSUMER, Party.MERCHANT, Party.MARKET_MANAGER, Party.OTHER
AR, CR, MK, PT, OT = (
    Topic.ANNUAL_REPORTS,
    Topic.CREDIT_REPAIR,
    Topic.MARKET,
    Topic.PORTAL,
    Topic.OTHER,
)


@dataclass(frozen=True)
class Spec:
    party: str
    topic: str
    days_ago: int  # working days before today
    text: str
    fate: str = "answered"  # answered, open, complaint, report, spam, duplicate
    answer: str = ""
    enterprise_name: str = ""
    name: str = ""


ANSWER_AR = (
    "个体工商户和企业均须于每年1月1日至6月30日通过国家企业信用信息公示系统报送上一年度年度报告。"
    "逾期未报的，企业将被列入经营异常名录，个体工商户将被标记为经营异常状态；补报后可申请移出。"
)
ANSWER_CR = (
    "行政处罚信息公示期满前，当事人已履行处罚决定、完成整改的，可以申请提前停止公示（信用修复）。"
    "请携带履行完毕的凭证、整改报告和信用修复承诺书，向作出处罚决定的部门提出申请。"
)

SPECS: list[Spec] = [
    Spec(
        M,
        AR,
        2,
        "请问个体工商户的年报是每年什么时候报？去年没有营业也要报吗？",
        answer=ANSWER_AR,
        name="王女士",
    ),
    Spec(
        M,
        AR,
        3,
        "我们公司年报里的从业人数填错了，6月30日以后还能修改吗？",
        answer="年度报告公示后发现有误的，可在当年6月30日前自行更正；6月30日后更正的，系统会标注更正前后内容和更正时间。请登录公示系统，选择“年报修改”。",
    ),
    Spec(
        M,
        AR,
        5,
        "去年的年报忘了报，现在被列入经营异常名录了，怎么移出？",
        answer="补报未报年份的年度报告并公示后，可向我局申请移出经营异常名录。我局自收到申请之日起5个工作日内作出决定。所有未报年份均须补报。",
    ),
    Spec(
        M,
        AR,
        6,
        "年报里的资产总额、营业收入这些数据会公开吗？我们不想公开。",
        answer="企业年度报告中的资产状况信息由企业选择是否公示；其他信息依法公示。个体工商户可选择是否公示营业额和纳税总额。",
    ),
    Spec(
        MM,
        AR,
        8,
        "我们市场里有三十多户个体户，年报能不能由市场统一代报？",
        answer="个体工商户年报可以委托他人代为报送，但内容真实性由经营者本人负责。市场可协助组织，建议在摊位区张贴年报提醒，我局可派员现场指导。",
    ),
    Spec(M, AR, 1, "年报系统提示“联络员信息不一致”，是什么原因？", fate="open", name="陈先生"),
    Spec(
        M,
        AR,
        12,
        "公司已经注销了，还需要报年报吗？",
        answer="已办理注销登记的企业无需再报送年度报告。注销前的年度如未报送，不影响注销后的状态。",
    ),
    Spec(
        M,
        CR,
        4,
        "我们被罚款两千元，已经交了，处罚信息什么时候能撤下来？",
        answer=ANSWER_CR,
        name="刘经理",
    ),
    Spec(
        M,
        CR,
        7,
        "信用修复需要多长时间？要交哪些材料？",
        answer="材料齐全的，我局自受理之日起5个工作日内作出决定（部分事项为15个工作日）。所需材料：信用修复申请书、履行处罚决定的凭证、信用修复承诺书。",
    ),
    Spec(
        M,
        CR,
        9,
        "被列入严重违法失信名单后还能修复吗？",
        answer="列入严重违法失信名单满一年、且已履行相关义务、未再发生违法行为的，可以申请提前移出。具体条件以《市场监督管理严重违法失信名单管理办法》为准。",
    ),
    Spec(
        M, CR, 9, "修复申请被驳回了，理由写的是“公示期未满最短期限”，最短期限是多少？", fate="open"
    ),
    Spec(
        M,
        CR,
        10,
        "处罚信息提前停止公示以后，信用中国网站上还会显示吗？",
        answer="我局作出提前停止公示决定后，会通过共享渠道推送至相关信用网站，一般在3个工作日内同步撤下。如仍显示，可联系我们核实。",
    ),
    Spec(
        C,
        MK,
        3,
        "在菜市场买的猪肉感觉分量不足，菜市场的公平秤在哪里？",
        answer="按规定农贸市场应设置公平秤，一般在市场入口或管理办公室旁。如发现短斤少两，可向市场管理方反映，或拨打12315投诉。",
    ),
    Spec(
        C,
        MK,
        6,
        "网上买的预付卡，商家突然关门了，钱还能退吗？",
        answer="预付式消费纠纷可向经营者所在地市场监管部门投诉。请保留购卡凭证、聊天记录等证据。如属于投诉，请通过“举报投诉”页面提交，或由我们帮您转为投诉。",
    ),
    Spec(
        C,
        MK,
        2,
        "超市里过期的酸奶还在卖，我应该找谁？",
        answer="销售超过保质期的食品属于违法行为，您可以通过本网站“举报违法行为”提交举报，我局在15个工作日内核查处理。",
    ),
    Spec(
        C,
        MK,
        11,
        "美容院办卡时承诺可以随时退，现在说要扣50%手续费，合理吗？",
        answer="经营者以格式条款排除或限制消费者权利的，该条款无效。建议先与商家协商，协商不成可以向我局投诉，我局组织调解。",
    ),
    Spec(
        C,
        MK,
        9,
        "小区门口的药店晚上不开门，周边有24小时药店吗？",
        answer="24小时营业药店名单可在区市场监管局微信公众号“便民服务”栏目查询。",
    ),
    Spec(
        C,
        MK,
        4,
        "我在某某生活超市买的电饭煲用了三天就坏了，要求退货，商家不给退，只同意维修，我应该怎么办？",
        fate="complaint",
        enterprise_name="锦城生活超市",
        name="赵女士",
    ),
    Spec(
        C,
        MK,
        2,
        "我家楼下有人在自家车库里做卤菜卖，没有营业执照，也没有健康证，卫生很差，每天早上六点开始卖。",
        fate="report",
        enterprise_name="东升街道12号车库卤菜摊",
    ),
    Spec(
        MM,
        MK,
        5,
        "市场里新来的几家摊位没有亮照经营，我们作为市场开办方需要做什么？",
        answer="市场开办者应当审查入场经营者的营业执照等证照并建立档案，督促其亮照经营。对拒不办理的，应及时报告我局。",
    ),
    Spec(
        MM,
        MK,
        8,
        "农贸市场的快检室每天要检测多少批次？有没有标准？",
        answer="农贸市场快检室检测批次根据市场规模确定，一般每日不少于20批次，重点检测农药残留。具体要求请参照本市农贸市场食用农产品快检工作规范。",
    ),
    Spec(
        MM,
        MK,
        13,
        "市场要举办年货节，临时摊位需要办理什么手续？",
        answer="临时摊位由市场开办者统一登记管理，销售食品的应办理食品经营备案或许可，并公示主体信息。",
    ),
    Spec(
        MM,
        PT,
        3,
        "市场管理方能不能在这个平台上查看本市场所有商户的信用状况？",
        answer="信用信息公示平台向社会公开的信息，任何人都可查询。市场管理方可以通过“公开查询”逐户查看，暂不提供批量导出。",
    ),
    Spec(C, PT, 11, "在公开查询里搜不到我要找的那家店，是不是没有注册？", fate="open"),
    Spec(
        M,
        PT,
        4,
        "企业账号的激活码丢了，怎么重新获取？",
        answer="请法定代表人携带身份证和营业执照到登记窗口申请重新签发激活码；原激活码同时作废。",
    ),
    Spec(
        M,
        PT,
        7,
        "手机上打开信用加油站页面显示不全，是系统问题吗？",
        answer="感谢反馈，我们已在新版本中优化了手机端显示。请刷新页面或更新浏览器后再试。",
    ),
    Spec(
        OP,
        PT,
        2,
        "你们的接口能不能给银行用？我们想核验企业的信用状况。",
        answer="银行可通过企业出具的信用良好证明上的验证码和二维码在线核验；如需系统对接，请与我局信息科联系。",
    ),
    Spec(
        OP,
        OT,
        6,
        "我是学生，想写一篇关于信用监管的论文，可以申请数据吗？",
        answer="公开数据可以通过公示系统查询。需要统计数据的，可依据政府信息公开条例提出申请。",
    ),
    Spec(
        M,
        OT,
        3,
        "开一家奶茶店需要办哪些证？",
        answer="需要办理营业执照和食品经营许可证（或备案）。可通过政务服务网“一件事一次办”一并申请。",
    ),
    Spec(M, OT, 0, "请问个体户转为公司，原来的信用记录会带过去吗？", fate="open", name="周老板"),
    Spec(
        M,
        OT,
        9,
        "“首违不罚”适用于哪些情形？",
        answer="初次违法且危害后果轻微并及时改正的，可以不予行政处罚。具体适用事项以本市公布的轻微违法行为免罚清单为准。",
    ),
    Spec(
        C,
        MK,
        10,
        "我在直播间买的衣服和宣传的不一样，商家在外地，可以在这里投诉吗？",
        answer="网购纠纷原则上向经营者所在地市场监管部门投诉，也可通过全国12315平台提交，平台会转给对应部门处理。",
    ),
    Spec(
        C,
        MK,
        12,
        "加油站的油价可以随便定吗？",
        answer="成品油价格实行政府指导价，加油站在最高零售价以内自主定价，须明码标价。",
    ),
    Spec(
        OP,
        OT,
        5,
        '点击领取补贴 http://bit.ly/xxxx 加微信 <a href="http://spam.example.com">客服</a>',
        fate="spam",
    ),
    Spec(
        C,
        PT,
        3,
        "页面显示异常：<script>alert('x')</script> 这个是网站被攻击了吗？"
        "详情见 www.example.com/report",
        fate="flagged_open",
    ),
    Spec(M, AR, 2, "请问个体工商户年报是每年什么时候报？", fate="duplicate"),
    Spec(
        M,
        CR,
        14,
        "我们的行政处罚是首次违法，处罚已经履行完毕，能不能不公示？",
        answer="适用简易程序作出的处罚和仅处警告的处罚不予公示；其他一般程序作出的处罚决定依法公示。履行完毕后可申请信用修复。",
    ),
    Spec(
        MM,
        AR,
        15,
        "个体户年报的提醒短信是市场发还是你们发？",
        answer="年报提醒短信由我局统一发送，市场管理方可配合在市场内张贴提醒。",
    ),
    Spec(C, MK, 1, "买到的月饼包装过度，盒子比月饼大好几倍，这种情况管吗？", fate="open"),
    Spec(
        M,
        MK,
        16,
        "门店招牌上能不能写“全市最低价”？",
        answer="使用“最低价”等绝对化用语属于违反广告法的行为，请勿使用。",
    ),
]

FAQ: list[tuple[str, str, str, int]] = [
    (AR, "年度报告什么时候报送？", ANSWER_AR, 10),
    (AR, "年报报错了能改吗？", "6月30日前可自行修改；之后修改的，公示系统会标注更正前后内容。", 20),
    (
        AR,
        "被列入经营异常名录后怎么移出？",
        "补报全部未报年份的年度报告后申请移出，我局在5个工作日内作出决定。",
        30,
    ),
    (AR, "个体户能委托别人报年报吗？", "可以委托他人代报，内容真实性由经营者本人负责。", 40),
    (CR, "处罚信息可以提前停止公示吗？", ANSWER_CR, 10),
    (CR, "信用修复要多久？", "材料齐全的，一般自受理之日起5个工作日内作出决定。", 20),
    (
        CR,
        "提前停止公示后，其他信用网站会同步吗？",
        "我局作出决定后通过共享渠道推送，一般3个工作日内同步。",
        30,
    ),
    (
        MK,
        "买到过期食品怎么办？",
        "销售过期食品属于违法行为，可通过“举报违法行为”页面举报，我局15个工作日内核查。",
        10,
    ),
    (
        MK,
        "商家不给退货，可以投诉吗？",
        "可以。消费纠纷可向经营者所在地市场监管部门投诉，我局7个工作日内决定是否受理并组织调解。",
        20,
    ),
    (
        MK,
        "预付卡商家关门了怎么办？",
        "保留购卡凭证和聊天记录，向经营者所在地市场监管部门投诉。",
        30,
    ),
    (
        PT,
        "企业账号激活码丢了怎么办？",
        "法定代表人携带身份证和营业执照到登记窗口申请重新签发。",
        10,
    ),
    (
        PT,
        "银行怎样核验企业的信用良好证明？",
        "用证明上的验证码或二维码在公开核验页面在线核验。",
        20,
    ),
]


def declare() -> None:
    from credit_portal.demo import demo_step_register

    demo_step_register("questions", "questions.demo.questions_demo_build", STEP_ORDER)


def _working_days_before(day: dt.date, n: int) -> dt.date:
    counted = 0
    while counted < n or not is_working_day(day):
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
        if counted >= n and is_working_day(day):
            break
    return day


def questions_demo_build(*, as_of: dt.date, seed: int = 0, stdout: Any = None) -> dict[str, int]:
    """Build the demo's questions and FAQ (module docstring); the counts made."""
    from questions.services import (
        faq_publish,
        question_answer,
        question_ask,
        question_close,
        question_move_to_lead,
    )

    counts: dict[str, int] = {}
    answerer = User.objects.filter(username=ANSWERER).first()
    publisher = User.objects.filter(username=PUBLISHER).first()
    if Question.objects.exists() or answerer is None or publisher is None:
        if stdout is not None:
            stdout.write("  questions: already there (or no demo staff)")
        return counts
    rnd = random.Random(f"questions-demo-{seed}")  # noqa: S311 - demo data
    now = timezone.now()
    today = timezone.localdate()
    first_of: dict[str, Question] = {}
    for n, spec in enumerate(SPECS):
        day = _working_days_before(today, spec.days_ago)
        asked_at = now - dt.timedelta(days=(today - day).days, minutes=rnd.randint(0, 600))
        phone = f"1390280{rnd.randint(0, 9999):04d}" if spec.name else ""
        question, _code = question_ask(
            party=spec.party,
            topic=spec.topic,
            text=spec.text,
            enterprise_name=spec.enterprise_name,
            name=spec.name,
            phone=phone,
            client_address=f"10.8.{n // 200}.{n % 200 + 1}",
            asked_at=asked_at,
        )
        counts["questions"] = counts.get("questions", 0) + 1
        first_of.setdefault(spec.text[:12], question)
        if spec.fate == "answered":
            question_answer(
                actor=answerer,
                question=question,
                answer=spec.answer,
                expected_version=question.version,
            )
            counts["answered"] = counts.get("answered", 0) + 1
        elif spec.fate in ("complaint", "report"):
            kind = Lead.Kind.COMPLAINT if spec.fate == "complaint" else Lead.Kind.REPORT
            question_move_to_lead(
                actor=answerer, question=question, kind=kind, expected_version=question.version
            )
            counts[f"moved ({spec.fate})"] = 1
        elif spec.fate == "spam":
            question_close(
                actor=answerer,
                question=question,
                reason=Question.CloseReason.SPAM,
                note="广告信息",
                expected_version=question.version,
            )
            counts["closed"] = counts.get("closed", 0) + 1
        elif spec.fate == "duplicate":
            original = Question.objects.filter(text__startswith="请问个体工商户的年报").first()
            question_close(
                actor=answerer,
                question=question,
                reason=Question.CloseReason.DUPLICATE,
                duplicate_of=original,
                expected_version=question.version,
            )
            counts["closed"] = counts.get("closed", 0) + 1
    for topic, text, answer, order in FAQ:
        faq_publish(actor=publisher, question_text=text, answer=answer, topic=topic, order=order)
    counts["faq"] = FaqEntry.objects.filter(unpublished_at__isnull=True).count()
    if stdout is not None:
        stdout.write("  questions: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
