"""Issued documents: rendering (WeasyPrint), signing (pyHanko, PAdES), the
development PKI, verification and the edXML envelope. The face of a document
is built in the domain (``plans.domain.document``); this package turns it into
bytes and checks bytes."""
