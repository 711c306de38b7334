"""What a person reads, in one place below the chat and the page: the formatting of dates, numbers
and plurals for a locale (`i18n.formats`), and the sentences both the chat and the page say
(`i18n.shared_views`). Imports the rules and the content, never storage, Telegram or the web."""
