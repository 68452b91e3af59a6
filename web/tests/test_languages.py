"""Languages, zones and accounts without a browser: Accept-Language, the switchers, password reset, error pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from reserves.tests.pagedata import coin_with_runs, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def coin():
    return coin_with_runs("GOOD", reserves="200000", tokens=100_000, runs=1)


def test_accept_language_zh_hant_hk_gets_chinese_in_hong_kong_time_and_english_gets_utc(coin):
    chinese = Client().get("/coins/GOOD/", HTTP_ACCEPT_LANGUAGE="zh-Hant-HK,zh;q=0.9").content.decode()
    assert '<html lang="zh-Hant-HK">' in chinese and "十足支持" in chinese and "香港時間" in chinese
    assert re.search(r'<time datetime="[^"]+Z" title="[^"]+ UTC">', chinese)  # UTC on hover
    english = Client().get("/coins/GOOD/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="en">' in english and "Fully backed" in english and "香港時間" not in english
    hong_kong_english = Client().get("/coins/GOOD/", HTTP_ACCEPT_LANGUAGE="en-HK").content.decode()
    assert "Fully backed" in hong_kong_english and "Hong Kong time" in hong_kong_english.split("<footer")[0]


def test_the_switchers_choose_the_language_and_the_zone(coin):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/coins/GOOD/"})
    assert response.status_code == 302 and response["Location"] == "/coins/GOOD/"
    assert "十足支持" in client.get("/coins/GOOD/").content.decode()
    client.post("/zone/", {"tz": "UTC", "next": "/coins/GOOD/"})
    page = client.get("/coins/GOOD/").content.decode()
    assert '<span class="zone">UTC</span>' in page and '<span class="zone">香港時間</span>' not in page
    assert client.post("/zone/", {"tz": "UTC", "next": "https://evil.example/"})["Location"] == "/"


def test_a_password_is_reset_by_email_and_changed(coin, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: hashing is not under test
    user = regulator()
    user.email = "bob@regulator.example"
    user.set_password("the-old-pass-1")  # reset mails go only to accounts with a usable password
    user.save()
    client = Client()
    assert client.post("/account/reset/", {"email": "bob@regulator.example"}).status_code == 302
    [email] = mail.outbox
    found = re.search(r"http://\S+/account/reset/\S+/", str(email.body))
    assert found is not None
    link = found.group(0)
    form = client.get(link.split("testserver", 1)[-1], follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-long-new-pass-9", "new_password2": "a-long-new-pass-9"}
    )
    assert done.status_code == 302
    assert client.login(username=user.username, password="a-long-new-pass-9")
    changed = client.post(
        "/account/password/",
        {"old_password": "a-long-new-pass-9", "new_password1": "another-pass-77", "new_password2": "another-pass-77"},
    )
    assert changed.status_code == 302 and Client().login(username=user.username, password="another-pass-77")


def test_403_and_404_are_styled_pages_in_the_readers_language(coin):
    client = Client()
    client.force_login(coin_with_runs("OTHR", reserves="1", tokens=1, runs=1).attestation.created_by)
    forbidden = client.get("/regulator/", HTTP_ACCEPT_LANGUAGE="zh-Hant-HK")
    assert forbidden.status_code == 403 and "你無法開啟此頁" in forbidden.content.decode()
    missing = Client().get("/coins/NOPE/")
    assert missing.status_code == 404 and "This page does not exist" in missing.content.decode()
    assert 'id="api-docs-link"' in missing.content.decode()


def test_finding_texts_read_with_grouped_amounts_units_and_no_negative_age():
    from web.format import fmt_message_amounts

    assert fmt_message_amounts("eligible reserves 90000.000000 USD are below 100000.000000000000000000 USD") == (
        "eligible reserves 90,000.00 USD are below 100,000.00 USD"
    )
    assert fmt_message_amounts("the newest report is 120 days old (as of 2026-08-05); at most 61") == (
        "the newest report is 120 days old (as of 2026-08-05); at most 61 days"
    )
    assert (
        fmt_message_amounts("the newest report is -1 days old; at most 7")
        == "the newest report is 0 days old; at most 7 days"
    )
    assert fmt_message_amounts("ratio 0.960000000000 at block 12") == "ratio 0.960000000000 at block 12"


def test_a_chinese_page_words_the_rules_findings_in_chinese_and_english_keeps_the_engines_words():
    from reserves.models import Flag

    coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=1)
    flag = Flag.objects.get(stablecoin__symbol="SHRT", rule="R1")
    stored = flag.message
    assert stored == "eligible reserves 90000.000000 USD are below par value outstanding 100000.000000 USD"
    client = Client()
    client.force_login(regulator())
    chinese = client.get("/regulator/coins/SHRT/", HTTP_ACCEPT_LANGUAGE="zh-Hant-HK").content.decode()
    assert "合資格儲備 90,000.00 USD 低於按面值計流通量 100,000.00 USD" in chinese
    assert "eligible reserves" not in chinese
    english = client.get("/regulator/coins/SHRT/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "eligible reserves 90,000.00 USD are below par value outstanding 100,000.00 USD" in english
    flag.refresh_from_db()
    assert flag.message == stored  # display only: the record keeps the engine's English


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        (
            "verified eligible reserves 10.5 USD are below par value outstanding 20; holdings worth 15 could not be"
            " verified",
            "經核實的合資格儲備 10.50 USD 低於按面值計流通量 20.00\uff1b價值 15.00 的持有資產未能核實",
        ),
        (
            "1 holding(s) breach the eligible asset classes; excluded from reserves (1000000 HKD)",
            "1 項持有資產不符合合資格資產類別的要求\uff1b不計入儲備\uff081,000,000.00 HKD\uff09",
        ),
        ("2 holding(s) meet the currency match with HKD", "2 項持有資產符合與 HKD 貨幣相符的要求"),
        (
            "the newest report is -1 days old (as of 2026-08-05); at most 61",
            "最新報告已有 0 日\uff08截至 2026-08-05\uff09\uff1b上限為 61 日",
        ),
        (
            "deposits at bank institutions 700000.000000 are at least 30% of the funds received 2000000.000000000000",
            "存放於持牌銀行的存款 700,000.00 最少佔所收資金 2,000,000.00 的 30%",
        ),
        ("0 frozen tokens counted as outstanding and backed", "0 枚被凍結代幣計入流通量並有儲備支持"),
        ("unmodified opinion", "無保留意見"),
        ("engagement type review, not examination or audit", "委聘類型為審閱\uff0c而非審查或審計"),
        (
            "unmodified opinion; engagement type agreed upon procedures, not examination; assurance level none stated,"
            " not reasonable",
            "無保留意見\uff1b委聘類型為協定程序\uff0c而非審查\uff1b保證程度為未有說明\uff0c而非合理保證",
        ),
        ("engagement type a new kind, not examination", "委聘類型為a new kind\uff0c而非審查"),  # unknown word: kept
        (
            "shortfall since 2026-12-03 (0 business day(s)): report the discrepancy to the HKMA at once",
            "自 2026-12-03 起儲備不足\uff080 個營業日\uff09\uff1a立即向香港金融管理局報告差額",
        ),
        (
            "shortfall since 2026-11-02 (16 business day(s)): issuance must halt at once; liquidation trigger raised"
            " after 15 consecutive business days",
            "自 2026-11-02 起儲備不足\uff0816 個營業日\uff09\uff1a必須立即停止發行\uff1b連續 15 個營業日後觸發清盤",
        ),
        ("no shortfall", "沒有儲備不足"),
    ],
)
def test_finding_patterns_read_in_chinese(message, chinese):
    from django.utils import translation

    from web.findings import finding_text

    with translation.override("zh-hant"):
        assert finding_text(message) == chinese


@pytest.mark.parametrize(
    "message",
    [
        "engagement type review, not examination or audit",
        "engagement type agreed upon procedures, not examination",
        "assurance level none stated, not reasonable",
        "assurance level limited, not reasonable",
        "shortfall since 2026-11-02 (16 business day(s)): issuance must halt at once; liquidation trigger raised after"
        " 15 consecutive business days",
    ],
)
def test_r25_and_r4_texts_read_in_english_as_the_engine_wrote_them(message):
    from django.utils import translation

    from web.findings import finding_text

    with translation.override("en"):
        assert finding_text(message) == message


def test_every_rule_and_profile_name_reads_in_chinese():
    """A regulator reading in Chinese sees no rule of any pack, and no profile, named only in English."""
    from django.utils import translation
    from django.utils.translation import gettext

    from attest.models import Profile
    from reserves.rulepacks import FILES, rulepack_load

    names = {str(label) for _value, label in Profile.choices}
    for profile in FILES:
        pack = rulepack_load(profile)
        names |= {str(pack["name"])} | {str(spec["name"]) for spec in pack["rules"].values()}
    with translation.override("zh-hant"):
        untranslated = sorted(n for n in names if gettext(n) == n)
    assert untranslated == []
