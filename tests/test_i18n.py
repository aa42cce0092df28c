"""The locale layer: Québec French and Canadian English numbers, rounding half up, typography."""

from decimal import Decimal
from pathlib import Path

import pytest
from helpers import run_stage
from hypothesis import given
from hypothesis import strategies as st

from report.errors import ConfigError, ErrorGroup
from report.i18n import NBSP, NNBSP, Formatter, load_strings, typography

FR, EN = Formatter("fr"), Formatter("en")


@pytest.mark.parametrize(
    ("value", "decimals", "fr", "en"),
    [
        (0.71, 0, f"71{NBSP}%", "71%"),
        (0.125, 0, f"13{NBSP}%", "13%"),  # half up, where Babel alone gives 12
        (0.125, 1, f"12,5{NBSP}%", "12.5%"),
        (0.0049, 0, f"0{NBSP}%", "0%"),
        (1, 0, f"100{NBSP}%", "100%"),
    ],
)
def test_percent(value, decimals, fr, en):
    assert FR.percent(value, decimals) == fr
    assert EN.percent(value, decimals) == en


def test_numbers_and_money():
    assert FR.number(1234567) == f"1{NBSP}234{NBSP}567"
    assert EN.number(1234567) == "1,234,567"
    assert FR.money(5000) == f"5{NBSP}000{NBSP}$"
    assert EN.money(5000) == "$5,000"
    assert FR.money_compact(38e9) == f"38{NBSP}G$"
    assert EN.money_compact(38e9) == "$38B"
    assert FR.money_words(38e9) == f"38{NBSP}milliards de dollars"
    assert EN.money_words(38e9) == f"$38{NBSP}billion"
    assert FR.money_words(47.8e9, 1) == f"47,8{NBSP}milliards de dollars"
    assert FR.out_of_ten(0.69) == f"7{NBSP}sur{NBSP}10"


def test_french_typography():
    text = typography("Il dit : « bonjour » ! Vraiment ? Voir https://x.ca à 10:30; 71 %", "fr")
    assert f"dit{NBSP}:" in text
    assert f"«{NBSP}bonjour{NBSP}»" in text
    assert f"»{NNBSP}!" in text and f"Vraiment{NNBSP}?" in text
    assert "https://x.ca" in text and "10:30" in text
    assert f"30{NNBSP};" in text
    assert typography("Note: yes; ok!", "en") == "Note: yes; ok!"


def test_french_numbers_typed_with_spaces_do_not_break():
    """Digit groups typed with plain spaces get Babel's no-break space; a year followed by a
    count, or a decimal part, is left alone."""
    text = typography("environ 1 300 clients, 120 000 $ et 1 250 000 visites", "fr")
    assert text == f"environ 1{NBSP}300 clients, 120{NBSP}000{NBSP}$ et 1{NBSP}250{NBSP}000 visites"
    assert FR.number(1300) in text
    assert typography("en 2015 300 membres", "fr") == "en 2015 300 membres"
    assert typography("3,5 000", "fr") == "3,5 000"
    assert typography("1 300 clients", "en") == "1 300 clients"
    assert typography("dès 6 h du matin, 30 min, 10 Go", "fr") == \
        f"dès 6{NBSP}h du matin, 30{NBSP}min, 10{NBSP}Go"
    assert typography("les 6 heures, 3 m’ont dit, 2 s’y joignent", "fr") == \
        "les 6 heures, 3 m’ont dit, 2 s’y joignent"


def test_typewriter_apostrophes_between_letters_become_typographic():
    """Labels typed in data files with ' are set with ’ in both languages, as the content is;
    quotes and primes that are not between two letters are left alone."""
    assert typography("Outils d'analyse web, aujourd'hui", "fr") == \
        "Outils d’analyse web, aujourd’hui"
    assert typography("The firm's site doesn't 'work'", "en") == \
        "The firm’s site doesn’t 'work'"
    assert typography("5' 30'', l'2", "fr") == "5' 30'', l'2"


@given(st.decimals(min_value=0, max_value=1, places=4))
def test_percent_is_half_up_and_well_formed(p):
    fr, en = FR.percent(p), EN.percent(p)
    expected = int((p * 100 + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR"))
    assert en == f"{expected}%"
    assert fr == f"{expected}{NBSP}%"


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_numbers_never_use_the_other_languages_separators(x):
    fr = FR.number(x)
    assert "," not in fr and "." not in fr
    assert NBSP not in EN.number(x)


def test_missing_translation_fails(tmp_path: Path):
    path = tmp_path / "strings.toml"
    path.write_text('[fr]\ntitle = "Titre"\nonly_fr = "x"\n[en]\ntitle = "Title"\n', "utf-8")
    with pytest.raises(ConfigError) as info:
        run_stage(load_strings, path)
    assert "only_fr" in str(info.value) and "not in en" in str(info.value)
    path.write_text('[fr]\na = "x"\nb = "y"\n[en]\n', "utf-8")
    with pytest.raises(ErrorGroup) as group:
        run_stage(load_strings, path)
    assert len(group.value.errors) == 2


def test_missing_key_lookup_names_the_file(tmp_path: Path):
    path = tmp_path / "strings.toml"
    path.write_text('[fr]\na = "x"\n[en]\na = "y"\n', "utf-8")
    strings = run_stage(load_strings, path)
    with pytest.raises(ConfigError, match="missing interface string 'nope'"):
        strings["en"]["nope"]
