"""Who issues a year's official documents (``forms/cycle.yaml`` → ``issuers`` and the keys beside it): each
organ's full name, 发文机关代字 (7.2.5), 签发人 (7.2.6), 印发机关 (7.4.3) and 联系人; the 办法's own 主送;
who sends the results to 中央组织部 and who signs the correction letters. A value a document needs and the
configuration lacks is a coded refusal (``notice.missing-setting``), never a placeholder in print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from formkit.config import CycleConfig, settings
from formkit.errors import FormkitError

CONFIG = "forms/cycle.yaml"
# What each attribute is called in the refusal
NAMES = {"prefix": "发文机关代字（prefix）", "letter_prefix": "函的发文机关代字（letter_prefix）",
         "signer": "签发人（signer）", "printer": "印发机关（printer）", "contact_name": "联系人（contact 的 name）",
         "contact_phone": "联系电话（contact 的 phone）"}
# an attribute asked for → where it is (an organ's own, or its contact's)
PATHS = {"contact_name": ("contact", "name"), "contact_phone": ("contact", "phone")}


class SettingError(FormkitError):
    """A value an official document needs is not in the year's configuration."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


@dataclass(frozen=True)
class Issuer:
    name: str  # as the configuration names it (中央农办)
    full: str  # as a document prints it in its mark and 署名 (中央农村工作领导小组办公室)
    prefix: str | None = None
    letter_prefix: str | None = None
    signer: str | None = None
    printer: str | None = None
    contact: Contact | None = None


@dataclass(frozen=True)
class Issuers:
    year: int
    organs: dict[str, Issuer]
    addressees: tuple[str, ...]  # the 办法's own 主送 (中农组发〔2021〕9号)
    results_sender: str | None
    letters_signer: str | None
    submit_email: str | None

    def _missing(self, what: str, key: str) -> SettingError:
        return SettingError("notice.missing-setting", f"{self.year}年度的配置中没有{what}：请在 {CONFIG} 的 "
                            f"years.{self.year}.{key} 中填写（公文不印占位符）", {"file": CONFIG})

    def issuer(self, name: str) -> Issuer:
        """The organ ``name`` (an organ the configuration does not list prints under that name, and has
        nothing else)."""
        return self.organs.get(name) or Issuer(name, name)

    def need(self, name: str, attribute: str) -> str:
        """``attribute`` (prefix, signer, printer, contact_name, …) of the organ ``name``, or a refusal."""
        value = self.issuer(name)
        for part in PATHS.get(attribute, (attribute,)):
            value = getattr(value, part, None) if value is not None else None
        if not value:
            key = ".".join(PATHS.get(attribute, (attribute,)))
            raise self._missing(f"“{name}”的{NAMES.get(attribute, attribute)}", f"issuers.{name}.{key}")
        return str(value)

    def contact(self, name: str) -> Contact:
        return Contact(self.need(name, "contact_name"), self.need(name, "contact_phone"))

    def number(self, name: str, when: date, serial: int, letter: bool = False) -> str:
        """发文字号 of the organ ``name`` (7.2.5: 代字〔成文日期的年份〕序号号; a 函 takes the organ's 函 代字)."""
        prefix = self.need(name, "letter_prefix" if letter else "prefix")
        return f"{prefix}〔{when.year}〕{serial}号"

    def setting(self, key: str) -> str:
        value = {"results_sender": self.results_sender, "letters_signer": self.letters_signer,
                 "submit_email": self.submit_email}[key]
        if not value:
            raise self._missing({"results_sender": "送中央组织部的函的发文机关（results_sender）",
                                 "letters_signer": "退回修改意见的署名机关（letters_signer）",
                                 "submit_email": "报送材料的电子邮箱（submit_email）"}[key], key)
        return value


def bodies(config: CycleConfig) -> tuple[str, ...]:
    """The bodies the 办法 gives a part in the evaluation (三、组织实施), as this year's configuration names
    them: the leading group, the working group's organisers, the coordinator, the lead departments and the
    department that supervises the seconded cadres."""
    names = [config.leading_group, *config.organisers, config.coordinator, *(c.lead for c in config.categories),
             config.cadre_supervisor]
    return tuple(dict.fromkeys(n for n in names if n))


def load_issuers(config: CycleConfig, year: int) -> Issuers:
    """The issuing organs of ``year``; a letters signer the 办法 does not know is refused."""
    raw = settings(year)
    organs = {}
    try:
        for name, spec in (raw.get("issuers") or {}).items():
            spec = spec or {}
            contact = spec.get("contact") or {}
            organs[str(name)] = Issuer(
                str(name), str(spec.get("full") or name), _text(spec.get("prefix")), _text(spec.get("letter_prefix")),
                _text(spec.get("signer")), _text(spec.get("printer")),
                Contact(str(contact.get("name") or ""), str(contact.get("phone") or "")) if contact else None)
    except (AttributeError, TypeError) as exc:
        raise SettingError("config.invalid", f"{CONFIG} 中 issuers 的写法有误：{exc}", {"file": CONFIG}) from exc
    issuers = Issuers(year, organs, tuple(str(a) for a in raw.get("regulation_addressees") or ()),
                      _text(raw.get("results_sender")), _text(raw.get("letters_signer")), _text(raw.get("submit_email")))
    known = bodies(config)
    for key in ("letters_signer", "results_sender"):
        value = getattr(issuers, key)
        if value and value not in known:
            raise SettingError("config.invalid", f"{CONFIG} 中 {key} 为“{value}”，不是考核评价办法规定的机构（"
                               f"{'、'.join(known)}）", {"file": CONFIG})
    return issuers


def _text(value) -> str | None:
    return str(value).strip() or None if value is not None else None
