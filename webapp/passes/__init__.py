"""Digital passes (digitale pasjes): contact persons download PDF passes of qualification holders."""
