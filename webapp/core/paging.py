"""Bounded paging for the long lists (the smartcard list, Uw koppelingen): pages of PAGE_SIZE rows, at most
MAX_PAGE pages deep; a count stops at MAX_ROWS + 1 ("meer dan …"), so neither the page nor its count reads on
past what a person can page through."""

from dataclasses import dataclass

PAGE_SIZE = 25
MAX_PAGE = 400  # bounded paging: 10,000 rows deep; narrow the filter or search to go further
MAX_ROWS = MAX_PAGE * PAGE_SIZE


def page_count(total: int) -> int:
    return max(1, min(-(-total // PAGE_SIZE), MAX_PAGE))


@dataclass
class BoundedPage:
    rows: list
    total: int  # up to MAX_ROWS + 1
    page: int
    pages: int
    filters: object

    @property
    def more(self) -> bool:
        return self.total > MAX_ROWS
