# ruff: noqa: E501  (page text is kept in whole sentences)
"""Pages of the fixture website: what a crawler meets on a small real site.

Each page has the usual weight around its text (styles, a script, a category menu, a
sidebar, a footer with contacts and a cookie notice: ~3.8 KB of HTML) and one article chosen
by the page number: one page in five is a drug shop's ad with its indicators (handle, bot,
card, wallet, prices); the others are news in Russian and Kazakh, an English blog post, a
legal shop's catalogue, a flat to rent, a pharmacy, a recipe, and police news about drugs
(the hard negative). Drug pages share one of 40 wallets (page number // 10 modulo 40), so the
linker should find about 40 shops behind the rotating handles. The menu's links are in-page anchors, so they add no pages to crawl.
"""

from __future__ import annotations

from narcowatch.trace.scenarios import tron_address

STYLE = (
    "body{font-family:Arial,sans-serif;margin:0;color:#222}header{background:#1d3557;color:#fff;"
    "padding:12px 24px}nav ul{list-style:none;display:flex;gap:16px;margin:0;padding:0}"
    "nav a{color:#f1faee;text-decoration:none}main{display:grid;grid-template-columns:3fr 1fr;"
    "gap:24px;padding:24px}article h1{font-size:28px}aside{background:#f1faee;padding:12px}"
    "footer{background:#457b9d;color:#fff;padding:16px 24px;font-size:13px}.crumbs{font-size:12px;"
    "color:#666}.price{font-weight:bold;color:#e63946}.cookie{position:fixed;bottom:0;width:100%;"
    "background:#000;color:#fff;padding:8px}"
)
SCRIPT = (
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    "gtag('js',new Date());document.addEventListener('DOMContentLoaded',function(){"
    "var c=document.querySelector('.cookie');if(localStorage.getItem('ok'))c.remove();"
    "c.querySelector('button').onclick=function(){localStorage.setItem('ok',1);c.remove()}})"
)
MENU = [
    "Главная",
    "Новости",
    "Каталог",
    "Акции",
    "Доставка",
    "Оплата",
    "Отзывы",
    "Блог",
    "Вакансии",
    "Партнёрам",
    "О нас",
    "Контакты",
]
POPULAR = [
    "Как выбрать велосипед для города",
    "Итоги недели: погода в Алматы",
    "Скидки выходного дня в каталоге",
    "Новые правила парковки в центре",
    "Рецепт бешбармака по-домашнему",
]


def _drug_ad(n: int) -> str:
    city = ("Алматы", "Астане", "Шымкенте", "Караганде")[n % 4]
    return (
        f"<p>Магазин №{n} снова работает! В наличии мефедрон VHQ, альфа-PVP (скорость, кристаллы), "
        f"шишки AK-47 и гашиш. Только закладки по {city}, прикоп и магнит, клады в день заказа.</p>"
        f"<ul><li>Меф 1г — {14000 + n % 9 * 500} тг</li><li>Альфа 0.5г — {9000 + n % 7 * 500} тг</li>"
        f"<li>Шишки 2г — {18000 + n % 5 * 1000} тг</li></ul>"
        f"<p>Оплата на карту 4400 4301 {2000 + n % 8000:04d} {n % 10000:04d} или USDT TRC20 "
        f"{tron_address('site-shop', n // 10 % 40)}. Оператор @site_shop_{n}, бот @site_shop_{n}_bot, "
        f"канал https://t.me/site_shop_{n}. Работаем 24/7, перезаклад при ненаходе с фото.</p>"
    )


def _news_ru(n: int) -> str:
    return (
        f"<p>В субботу в районе {n % 12 + 1} микрорайона открылся новый сквер. Жители давно просили "
        "благоустроить пустырь у школы, и акимат выделил средства в прошлом году. Теперь здесь "
        "детская площадка, дорожки для велосипедов и скамейки в тени деревьев.</p>"
        f"<p>По словам подрядчика, работы заняли {n % 5 + 3} месяцев. Весной высадят ещё сто "
        "саженцев, а летом установят фонтан. Горожане уже оценили новое место для прогулок.</p>"
    )


def _news_kk(n: int) -> str:
    return (
        f"<p>Қаланың {n % 9 + 1}-ауданында жаңа мектеп ашылды. Мектепте мың екі жүз оқушыға орын бар, "
        "заманауи зертханалар мен спорт залы жабдықталған. Ата-аналар жаңа ғимараттың "
        "қауіпсіздігіне ерекше назар аударылғанын айтты.</p>"
        "<p>Әкімдіктің мәліметінше, келесі жылы тағы екі мектеп салынады. Құрылыс жұмыстары "
        "көктемде басталады деп жоспарлануда.</p>"
    )


def _blog_en(n: int) -> str:
    return (
        f"<p>Day {n % 30 + 1} of our trip across the steppe: we left Almaty early and reached the "
        "Charyn canyon by noon. The road is good, fuel stations are rare, so fill up in Shelek. "
        "The valley of castles is best in the late afternoon light.</p>"
        "<p>Tip: bring cash for the park entrance and plenty of water. We camped by the river "
        "and cooked plov on a small stove; the night sky was incredible.</p>"
    )


def _catalogue(n: int) -> str:
    rows = "".join(
        f"<li>{name} — <span class='price'>{price + n % 7 * 1000} ₸</span></li>"
        for name, price in (
            ("Смартфон Galaxy A15", 89000),
            ("Наушники беспроводные", 15000),
            ("Чехол силиконовый", 3000),
            ("Зарядное устройство 25W", 7000),
        )
    )
    return (
        f"<p>Каталог электроники, раздел {n}. Официальная гарантия, доставка по Казахстану.</p>"
        f"<ul>{rows}</ul><p>Звоните +7 701 {100 + n % 900:03d} 45 67 или пишите в WhatsApp.</p>"
    )


def _flat(n: int) -> str:
    return (
        f"<p>Сдаётся {n % 3 + 1}-комнатная квартира посуточно, {n % 9 + 2} этаж, свежий ремонт, "
        "Wi-Fi, кондиционер, рядом метро и торговый центр. Чистое бельё и полотенца.</p>"
        f"<p>Цена {12000 + n % 10 * 1000} тенге в сутки. Тел. 8 777 {200 + n % 700:03d} 11 22, Айгуль.</p>"
    )


def _police(n: int) -> str:
    return (
        f"<p>Полиция задержала {n % 4 + 2} курьеров интернет-магазина, которые делали закладки с "
        "мефедроном в спальных районах. Изъято более килограмма наркотиков. Возбуждено "
        "уголовное дело по статье 297 УК РК, подозреваемым грозит до 15 лет лишения свободы.</p>"
        "<p>Сообщить о рекламе наркотиков можно анонимно через бот прокуратуры.</p>"
    )


def _pharmacy(n: int) -> str:
    return (
        f"<p>Аптека №{n % 40 + 1}: витамины, средства от простуды, детское питание. Рецептурные "
        "препараты отпускаются только по рецепту врача. Консультация фармацевта бесплатно.</p>"
        f"<p>Работаем с 8:00 до 22:00, скидка пенсионерам {n % 5 + 3}%.</p>"
    )


def _recipe(n: int) -> str:
    return (
        f"<p>Баурсаки на кефире, рецепт №{n}: 500 г муки, 250 мл кефира, яйцо, щепотка соли и "
        "сода. Замесите мягкое тесто, дайте отдохнуть полчаса, раскатайте и вырежьте ромбики.</p>"
        "<p>Жарьте во фритюре до золотистого цвета и подавайте к чаю с мёдом и каймаком.</p>"
    )


ARTICLES = (
    _drug_ad,
    _news_ru,
    _catalogue,
    _news_kk,
    _blog_en,
    _drug_ad,
    _flat,
    _police,
    _pharmacy,
    _recipe,
)


def is_drug_page(n: int) -> bool:
    return ARTICLES[n % len(ARTICLES)] is _drug_ad


def site_page_html(n: int, links: list[str]) -> bytes:
    """Page ``n`` with ``links`` (the crawlable ones) in its related-pages block."""
    menu = "".join(f'<li><a href="#m{i}">{name}</a></li>' for i, name in enumerate(MENU))
    related = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    popular = "".join(f'<li><a href="#p{i}">{t}</a></li>' for i, t in enumerate(POPULAR))
    article = ARTICLES[n % len(ARTICLES)](n)
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>Страница {n}</title>"
        f"<style>{STYLE}</style><script>{SCRIPT}</script></head><body>"
        f"<header><div class='logo'>Городской портал</div><nav><ul>{menu}</ul></nav></header>"
        f"<main><article><div class='crumbs'>Главная / Раздел {n % 10} / Страница {n}</div>"
        f"<h1>Страница {n}</h1>{article}<div class='related'><h3>Читайте также</h3>"
        f"<ul>{related}</ul></div></article>"
        f"<aside><h3>Популярное</h3><ol>{popular}</ol><p>Подпишитесь на рассылку новостей.</p>"
        "</aside></main><footer><p>© 2026 Городской портал. Все права защищены. Адрес: "
        "г. Алматы, пр. Абая 10, офис 5. Тел. редакции +7 727 000 00 00.</p>"
        "<p>Использование материалов разрешено только с активной ссылкой на источник.</p></footer>"
        "<div class='cookie'>Мы используем cookie для работы сайта. <button>Понятно</button></div>"
        "</body></html>"
    ).encode()
