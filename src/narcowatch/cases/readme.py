"""The README of an evidence package: how to verify it with standard tools, in ru/kk/en."""

from __future__ import annotations

from typing import Any

COMMANDS = """\
  unzip {zip} -d package && cd package
  sha256sum -c SHA256SUMS
{per_item}
  narcowatch evidence verify {zip}
"""

PER_ITEM = """\
  sha256sum evidence/{id}/manifest.json        # = {sha}
  openssl ts -reply -in evidence/{id}/timestamp.tsr -text
  openssl ts -verify -data evidence/{id}/manifest.json \\
      -in evidence/{id}/timestamp.tsr -CAfile tsa-ca.pem
  (cd evidence/{id}/artefacts && sha256sum *)  # = "artefacts" in manifest.json
"""

TEXT = {
    "ru": """\
ПАКЕТ ЭЛЕКТРОННЫХ ДОКАЗАТЕЛЬСТВ {package_id}
Сформирован {created_at} (UTC), учётная запись: {created_by}.

Состав: report.pdf — протокол осмотра (на русском и казахском языках); для каждого
доказательства evidence/<id>/: manifest.json (описание фиксации и SHA-256 всех файлов),
timestamp.tsr (метка времени RFC 3161 над SHA-256 манифеста), custody.jsonl (цепочка
хранения: каждая запись содержит хеш предыдущей), artefacts/ (WARC, снимок, PDF, DOM,
сертификат TLS, сетевые сведения). tsa-ca.pem — сертификат центра меток времени.

Независимая проверка стандартными средствами (Linux, OpenSSL):
{commands}
Хеш каждого файла в artefacts/ должен совпасть с manifest.json; метка времени
подтверждает, что манифест (а значит и все хеши) существовал в указанное время.
Сверяйте отпечаток tsa-ca.pem с опубликованным центром меток времени.
""",
    "kk": """\
ЭЛЕКТРОНДЫҚ ДӘЛЕЛДЕМЕЛЕР ПАКЕТІ {package_id}
Құрылған уақыты {created_at} (UTC), есептік жазба: {created_by}.

Құрамы: report.pdf — қарау хаттамасы (орыс және қазақ тілдерінде); әр дәлелдеме үшін
evidence/<id>/: manifest.json (тіркеу сипаттамасы және барлық файлдардың SHA-256 мәні),
timestamp.tsr (манифесттің SHA-256 мәніне RFC 3161 уақыт белгісі), custody.jsonl (сақтау
тізбегі: әр жазба алдыңғысының хешін қамтиды), artefacts/ (WARC, сурет, PDF, DOM, TLS
сертификаты, желі мәліметтері). tsa-ca.pem — уақыт белгілері орталығының сертификаты.

Стандартты құралдармен тәуелсіз тексеру (Linux, OpenSSL):
{commands}
artefacts/ ішіндегі әр файлдың хеші manifest.json-пен сәйкес келуі тиіс; уақыт белгісі
манифесттің (демек барлық хештердің) көрсетілген уақытта болғанын растайды.
""",
    "en": """\
ELECTRONIC EVIDENCE PACKAGE {package_id}
Exported {created_at} (UTC) by account {created_by}.

Contents: report.pdf, the inspection report (Russian and Kazakh); per evidence item
evidence/<id>/: manifest.json (what was captured, how, and the SHA-256 of every file),
timestamp.tsr (RFC 3161 token over the manifest's SHA-256), custody.jsonl (chain of
custody; each entry carries the previous entry's hash), artefacts/ (WARC, screenshot, PDF,
DOM, TLS certificate, network facts). tsa-ca.pem is the timestamp authority's CA.

Verify independently with standard tools (Linux, OpenSSL):
{commands}
Each file in artefacts/ must match manifest.json; the token proves the manifest (and so
every hash) existed at the stated time. Check tsa-ca.pem against the TSA's published CA.
""",
}


def readme_text(meta: dict[str, Any]) -> str:
    zip_name = f"evidence-{meta['package_id']}.zip"
    per_item = "".join(
        PER_ITEM.format(id=ev["id"], sha=ev["manifest_sha256"]) for ev in meta["evidence"]
    )
    commands = COMMANDS.format(zip=zip_name, per_item=per_item)
    fields = {k: meta[k] for k in ("package_id", "created_at", "created_by")}
    return "\n\n".join(
        TEXT[lang].format(commands=commands, **fields) for lang in ("ru", "kk", "en")
    )
