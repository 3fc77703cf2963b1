"""Curated lists of common free-mail providers, disposable-mail services and role mailboxes.

Not exhaustive: they cover the providers that make up most real sign-ups; an address on an
unlisted provider is simply not flagged.
"""

from __future__ import annotations

FREE_MAIL = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.de yahoo.co.uk yahoo.fr yahoo.es yahoo.it
    ymail.com rocketmail.com hotmail.com hotmail.de hotmail.co.uk hotmail.fr hotmail.it
    hotmail.es outlook.com outlook.de outlook.fr live.com live.de live.co.uk live.fr msn.com
    aol.com aol.de icloud.com me.com mac.com gmx.de gmx.net gmx.at gmx.ch gmx.com web.de
    t-online.de freenet.de posteo.de mailbox.org protonmail.com protonmail.ch proton.me pm.me
    tutanota.com tutanota.de tuta.io yandex.com yandex.ru mail.ru inbox.ru bk.ru list.ru
    qq.com 163.com 126.com sina.com orange.fr free.fr laposte.net wanadoo.fr sfr.fr
    libero.it virgilio.it tiscali.it btinternet.com sky.com virginmedia.com comcast.net
    verizon.net att.net sbcglobal.net zoho.com zohomail.com fastmail.com fastmail.fm hey.com
    seznam.cz centrum.cz wp.pl o2.pl interia.pl onet.pl rediffmail.com naver.com hanmail.net
    daum.net bluewin.ch aon.at chello.at telenet.be skynet.be ziggo.nl kpnmail.nl
    """.split()  # noqa: SIM905 - a word list reads better than 100 quoted strings
)

DISPOSABLE = frozenset(
    """
    mailinator.com guerrillamail.com guerrillamail.net guerrillamail.org sharklasers.com
    grr.la 10minutemail.com 10minutemail.net temp-mail.org temp-mail.io tempmail.com
    tempmail.net tempmailo.com yopmail.com yopmail.fr yopmail.net trashmail.com trashmail.de
    trashmail.net dispostable.com getnada.com nada.email maildrop.cc throwawaymail.com
    fakeinbox.com mailnesia.com mintemail.com mohmal.com emailondeck.com spamgourmet.com
    tempr.email discard.email mailcatch.com 33mail.com burnermail.io 1secmail.com
    wegwerfmail.de einrot.com spambog.com spam4.me mytemp.email emailfake.com
    """.split()  # noqa: SIM905 - a word list reads better than 100 quoted strings
)

ROLE_MAILBOXES = frozenset(
    """
    info sales support admin administrator contact hello hi office team marketing billing
    accounts accounting hr jobs careers career press media pr noreply no-reply donotreply
    do-not-reply postmaster webmaster hostmaster abuse help service services kontakt mail
    enquiries inquiries enquiry inquiry feedback newsletter security legal privacy orders
    order invoice invoices finance it dev devops ops root sysadmin booking bookings reception
    customerservice customer-service partners partner events bewerbung vertrieb buchhaltung
    """.split()  # noqa: SIM905 - a word list reads better than 100 quoted strings
)

# Second-level suffixes under which the registrable domain has three labels (acme.co.uk).
TWO_LEVEL_SUFFIXES = frozenset(
    """
    co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk com.au net.au org.au co.nz org.nz co.jp
    ne.jp or.jp co.kr co.in net.in org.in com.br net.br com.mx com.ar com.cn com.hk com.sg
    com.tr com.tw co.za co.il com.pl com.es co.at or.at gv.at com.ua com.my co.id co.th
    """.split()  # noqa: SIM905 - a word list reads better than 100 quoted strings
)
