"""Money coming in (rules §14, PAY-1 … PAY-6): statement lines from MercadoPago, PayPal and
the banks, recorded once each, matched to invoices, recorded as payments through
``core/payments``, or left for a person to review.

The parsers that read the files are adapters (``hostctl/adapters/statements``); they give
``lines.ParsedLine`` records and know nothing of the database. This package decides."""
