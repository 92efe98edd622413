"""The statement parsers (adapters/statements), each on a file written after the format's
own documentation: MercadoPago's release report, PayPal's activity download, an ISO 20022
camt.053, OFX 1.x (SGML) and 2.x (XML), and a plain CSV mapped by payment.csv_columns.
No database: a file in, lines out, or one sentence."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal
from pathlib import Path
from types import GeneratorType

import pytest

from hostctl.adapters.statements import read_statement
from hostctl.core.receipts.lines import DEBIT, FEE, PAYOUT, REFUND, ParsedLine
from hostctl.errors import ImportFileError, ValidationError

D = Decimal
CSV_COLUMNS = (
    "date=Fecha,amount=Importe,currency=Moneda,transaction_id=Id,reference=Concepto,payer=Ordenante"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refusal(path: Path, **options: object) -> str:
    with pytest.raises(ImportFileError) as caught:
        statement = read_statement(path, **options)  # type: ignore[arg-type]
        list(statement.lines)
    return caught.value.message


# --------------------------------------------------------------------------- MercadoPago
# A release report ("reporte de liquidaciones") as an Argentine account downloads it:
# ';' separated, the columns the account chose, dates in MercadoPago's -04:00, the initial
# balance and the total rows that are not lines, a name holding the separator (quoted).
MERCADOPAGO = (
    "DATE;SOURCE_ID;EXTERNAL_REFERENCE;RECORD_TYPE;DESCRIPTION;NET_CREDIT_AMOUNT;"
    "NET_DEBIT_AMOUNT;GROSS_AMOUNT;MP_FEE_AMOUNT;FINANCING_FEE_AMOUNT;CURRENCY;PAYER_NAME;"
    "PAYER_ID_TYPE;PAYER_ID_NUMBER;PAYMENT_METHOD\r\n"
    "2024-03-01T00:00:00.000-04:00;;;initial_available_balance;;15000.00;0.00;;;;ARS;;;;\r\n"
    "2024-03-01T10:15:22.000-04:00;71234567890;2024-0012;release;payment;9501.00;0.00;"
    "10000.00;-499.00;0.00;ARS;José Pérez;CUIT;20-98765432-1;pagofacil\r\n"
    "2024-03-01T23:30:00.000-04:00;71234567891;;release;payment;4750.50;0.00;5000.00;"
    '-249.50;0.00;ARS;"Núñez; Hnos. S.R.L.";CUIT;30-71234567-9;rapipago\r\n'
    "2024-03-02T09:00:00.000-04:00;71234567890;2024-0012;release;refund;0.00;10000.00;"
    "-10000.00;0.00;0.00;ARS;José Pérez;CUIT;20-98765432-1;pagofacil\r\n"
    "2024-03-03T08:00:00.000-04:00;5550001;;release;payout;0.00;20000.00;-20000.00;0.00;"
    "0.00;ARS;;;;\r\n"
    "2024-03-03T08:00:00.000-04:00;;;total;;14251.50;30000.00;;;;ARS;;;;\r\n"
)


def test_mercadopago_release_report(tmp_path):
    statement = read_statement(write(tmp_path, "liquidaciones.csv", "\ufeff" + MERCADOPAGO))
    assert (statement.format, statement.source, statement.method) == (
        "mercadopago",
        "mercadopago",
        "mercadopago",
    )
    assert isinstance(statement.lines, GeneratorType)
    assert list(statement.lines) == [
        ParsedLine(
            transaction_id="71234567890",
            date=dt.date(2024, 3, 1),
            amount=D("10000.00"),
            currency="ARS",
            fee=D("499.00"),
            payer="José Pérez",
            payer_document="20-98765432-1",
            reference="2024-0012",
            description="payment",
        ),
        ParsedLine(  # 23:30 at -04:00 is 00:30 of the next day in Buenos Aires
            transaction_id="71234567891",
            date=dt.date(2024, 3, 2),
            amount=D("5000.00"),
            currency="ARS",
            fee=D("249.50"),
            payer="Núñez; Hnos. S.R.L.",
            payer_document="30-71234567-9",
            description="payment",
        ),
        ParsedLine(  # the refund of the first payment: its own line, beside the payment's
            transaction_id="71234567890:refund",
            date=dt.date(2024, 3, 2),
            amount=D("-10000.00"),
            currency="ARS",
            fee=D("0.00"),
            payer="José Pérez",
            payer_document="20-98765432-1",
            reference="2024-0012",
            description="refund",
            not_payment=REFUND,
        ),
        ParsedLine(
            transaction_id="5550001:payout",
            date=dt.date(2024, 3, 3),
            amount=D("-20000.00"),
            currency="ARS",
            fee=D("0.00"),
            description="payout",
            not_payment=PAYOUT,
        ),
    ]


def test_mercadopago_comma_separated_with_only_some_columns(tmp_path):
    path = write(
        tmp_path,
        "release.csv",
        "DATE,SOURCE_ID,RECORD_TYPE,DESCRIPTION,GROSS_AMOUNT,MP_FEE_AMOUNT,CURRENCY\n"
        "2024-03-05T12:00:00Z,900001,release,payment,1500.00,-75.00,ars\n"
        "2024-03-05T13:00:00Z,900002,release,mp_fee,-10.00,,ARS\n",
    )
    assert list(read_statement(path).lines) == [
        ParsedLine(
            transaction_id="900001",
            date=dt.date(2024, 3, 5),
            amount=D("1500.00"),
            currency="ARS",
            fee=D("75.00"),
            description="payment",
        ),
        ParsedLine(
            transaction_id="900002:mp_fee",
            date=dt.date(2024, 3, 5),
            amount=D("-10.00"),
            currency="ARS",
            description="mp_fee",
            not_payment=FEE,
        ),
    ]


# --------------------------------------------------------------------------- PayPal
PAYPAL_HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"From Email Address","To Email Address","Transaction ID","Reference Txn ID",'
    '"Invoice Number","Subject","Note","Balance Impact"\n'
)
PAYPAL_ROWS = [
    '"01/03/2024","14:05:10","PST","Juan Carlos Gómez","Express Checkout Payment",'
    '"Completed","USD","100.00","-4.70","95.30","jcgomez@example.com",'
    '"pagos@hosting.example","8AB12345CD6789012","","2024-0031","Hosting Pyme","",'
    '"Credit"',
    # 20:30 in California is 01:30 of the next day in Buenos Aires
    '"01/03/2024","20:30:00","PST","Ana Núñez","Website Payment","Completed","USD",'
    '"1,234.56","-54.00","1,180.56","ana.nunez@example.com","pagos@hosting.example",'
    '"1XY98765AB4321098","","","Plan anual","pago factura 2024-0040","Credit"',
    '"02/03/2024","09:00:00","PST","Ana Núñez","Website Payment","Pending","USD","20.00",'
    '"-1.10","18.90","ana.nunez@example.com","pagos@hosting.example","5PP00000AA1111111",'
    '"","","","","Memo"',
    '"03/03/2024","10:00:00","PST","","General Withdrawal - Bank Account","Completed",'
    '"USD","-500.00","0.00","-500.00","","","7WD00000BB2222222","","","","","Debit"',
    '"04/03/2024","11:00:00","PST","Juan Carlos Gómez","Payment Refund","Completed","USD",'
    '"-100.00","3.20","-96.80","pagos@hosting.example","jcgomez@example.com",'
    '"9RF00000CC3333333","8AB12345CD6789012","2024-0031","","","Debit"',
    '"05/03/2024","12:00:00","PST","Proveedor S.A.","PreApproved Payment Bill User Payment",'
    '"Completed","USD","-30.00","0.00","-30.00","pagos@hosting.example",'
    '"cobros@proveedor.example","3PS00000DD4444444","","","","","Debit"',
    '"06/03/2024","08:00:00","GMT-03:00","","General Currency Conversion","Completed",'
    '"USD","50.00","0.00","50.00","","","4CC00000EE5555555","","","","","Credit"',
]


def test_paypal_activity_download(tmp_path):
    path = write(tmp_path, "Download.csv", "\ufeff" + PAYPAL_HEADER + "\n".join(PAYPAL_ROWS))
    statement = read_statement(path)
    assert (statement.format, statement.source, statement.method) == (
        "paypal",
        "paypal",
        "paypal",
    )
    common = {"currency": "USD"}
    assert list(statement.lines) == [
        ParsedLine(
            transaction_id="8AB12345CD6789012",
            date=dt.date(2024, 3, 1),
            amount=D("100.00"),
            fee=D("4.70"),
            payer="Juan Carlos Gómez",
            payer_email="jcgomez@example.com",
            reference="2024-0031",
            description="Hosting Pyme",
            **common,
        ),
        ParsedLine(
            transaction_id="1XY98765AB4321098",
            date=dt.date(2024, 3, 2),
            amount=D("1234.56"),
            fee=D("54.00"),
            payer="Ana Núñez",
            payer_email="ana.nunez@example.com",
            description="Plan anual / pago factura 2024-0040",
            **common,
        ),
        # the Pending row is no line at all
        ParsedLine(
            transaction_id="7WD00000BB2222222",
            date=dt.date(2024, 3, 3),
            amount=D("-500.00"),
            fee=D("0.00"),
            not_payment=PAYOUT,
            **common,
        ),
        ParsedLine(
            transaction_id="9RF00000CC3333333",
            date=dt.date(2024, 3, 4),
            amount=D("-100.00"),
            fee=D("3.20"),
            payer="Juan Carlos Gómez",
            payer_email="pagos@hosting.example",
            reference="2024-0031",
            not_payment=REFUND,
            **common,
        ),
        ParsedLine(
            transaction_id="3PS00000DD4444444",
            date=dt.date(2024, 3, 5),
            amount=D("-30.00"),
            fee=D("0.00"),
            payer="Proveedor S.A.",
            payer_email="pagos@hosting.example",
            not_payment=DEBIT,
            **common,
        ),
        ParsedLine(
            transaction_id="4CC00000EE5555555",
            date=dt.date(2024, 3, 6),
            amount=D("50.00"),
            fee=D("0.00"),
            not_payment="currency conversion",
            **common,
        ),
    ]


def test_paypal_date_format_and_old_time_zone_column(tmp_path):
    """An account set to US dates, the older "Time Zone" heading, a decimal comma."""
    path = write(
        tmp_path,
        "Download.csv",
        "Date,Time,Time Zone,Name,Type,Status,Currency,Gross,Fee,Transaction ID\n"
        '03/01/2024,23:59:59,CET,Jörg Weiß,Website Payment,Completed,EUR,"1.234,50",'
        '"-40,00",2EU00000FF6666666\n',
    )
    assert list(read_statement(path, paypal_date_format="%m/%d/%Y").lines) == [
        ParsedLine(
            transaction_id="2EU00000FF6666666",
            date=dt.date(2024, 3, 1),  # 23:59 CET is 19:59 in Buenos Aires
            amount=D("1234.50"),
            currency="EUR",
            fee=D("40.00"),
            payer="Jörg Weiß",
        )
    ]


# --------------------------------------------------------------------------- camt.053
CAMT053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20240305-01</MsgId><CreDtTm>2024-03-05T08:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>20240305-0001</Id>
      <ElctrncSeqNb>64</ElctrncSeqNb>
      <CreDtTm>2024-03-05T08:00:00+01:00</CreDtTm>
      <Acct>
        <Id><IBAN>DE89370400440532013000</IBAN></Id>
        <Ccy>EUR</Ccy>
        <Svcr><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></Svcr>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2024-03-01</Dt></Dt>
      </Bal>
      <Ntry>
        <NtryRef>1</NtryRef>
        <Amt Ccy="EUR">120.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2024-03-01</Dt></BookgDt>
        <ValDt><Dt>2024-03-01</Dt></ValDt>
        <AcctSvcrRef>2024030100001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>FACT-2024-0012</EndToEndId></Refs>
            <Amt Ccy="EUR">120.50</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties>
              <Dbtr><Pty>
                <Nm>María José Núñez</Nm>
                <Id><PrvtId><Othr><Id>27-12345678-4</Id></Othr></PrvtId></Id>
              </Pty></Dbtr>
              <DbtrAcct><Id><IBAN>ES9121000418450200051332</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>Factura 2024-0012</Ustrd><Ustrd>hosting anual</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">80.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2024-03-02T01:30:00+01:00</DtTm></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>TX-2024030200002</AcctSvcrRef></Refs>
          <RltdPties><Dbtr><Pty><Nm>Ibáñez &amp; Cía. S.R.L.</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">35.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2024-03-03</Dt></BookgDt>
        <AcctSvcrRef>2024030300003</AcctSvcrRef>
        <AddtlNtryInf>Comisión mantenimiento de cuenta</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">999.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>PDNG</Cd></Sts>
        <BookgDt><Dt>2024-03-04</Dt></BookgDt>
        <AcctSvcrRef>2024030400004</AcctSvcrRef>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">45.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <ValDt><Dt>2024-03-05</Dt></ValDt>
        <NtryDtls><TxDtls><Refs><EndToEndId>E2E-77-ABC</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">1210.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2024-03-05</Dt></Dt>
      </Bal>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def test_camt053_statement(tmp_path):
    statement = read_statement(write(tmp_path, "extracto.xml", CAMT053), method="bank-transfer")
    assert (statement.format, statement.source, statement.method) == (
        "camt053",
        "camt053:DE89370400440532013000",
        "bank-transfer",
    )
    assert list(statement.lines) == [
        ParsedLine(
            transaction_id="2024030100001",
            date=dt.date(2024, 3, 1),
            amount=D("120.50"),
            currency="EUR",
            payer="María José Núñez",
            payer_document="27-12345678-4",
            reference="Factura 2024-0012 hosting anual",
        ),
        ParsedLine(  # 01:30 in Frankfurt is the evening before in Buenos Aires
            transaction_id="TX-2024030200002",
            date=dt.date(2024, 3, 1),
            amount=D("80.00"),
            currency="EUR",
            payer="Ibáñez & Cía. S.R.L.",
            reference="RF18539007547034",
        ),
        ParsedLine(
            transaction_id="2024030300003",
            date=dt.date(2024, 3, 3),
            amount=D("-35.00"),
            currency="EUR",
            description="Comisión mantenimiento de cuenta",
            not_payment=DEBIT,
        ),
        # the pending entry is no line; the balances neither
        ParsedLine(
            transaction_id="E2E-77-ABC",
            date=dt.date(2024, 3, 5),
            amount=D("45.00"),
            currency="EUR",
        ),
    ]


def test_camt053_version_02_with_an_account_that_is_not_an_iban(tmp_path):
    """An Argentine bank: the CBU as Othr/Id, Dbtr/Nm straight under Dbtr (version 02)."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<Stmt><Id>1</Id><Acct><Id><Othr><Id>0070012330004012345678</Id></Othr></Id></Acct>"
        '<Ntry><Amt Ccy="ARS">25000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2024-03-07</Dt></BookgDt><AcctSvcrRef>TRF-889900</AcctSvcrRef>"
        "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Pérez Gómez, Lucía</Nm>"
        "<Id><PrvtId><Othr><Id>27333444559</Id></Othr></PrvtId></Id></Dbtr></RltdPties>"
        "</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
    )
    statement = read_statement(write(tmp_path, "cbu.xml", xml))
    assert (statement.source, statement.method) == ("camt053:0070012330004012345678", None)
    assert list(statement.lines) == [
        ParsedLine(
            transaction_id="TRF-889900",
            date=dt.date(2024, 3, 7),
            amount=D("25000.00"),
            currency="ARS",
            payer="Pérez Gómez, Lucía",
            payer_document="27333444559",
        )
    ]


# --------------------------------------------------------------------------- OFX
OFX_BODY = """<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<DTSERVER>20240305120000[-3:ART]</DTSERVER><LANGUAGE>SPA</LANGUAGE></SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1001</TRNUID>
<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<STMTRS><CURDEF>ARS</CURDEF>
<BANKACCTFROM><BANKID>0070</BANKID><ACCTID>0001234567</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240301</DTSTART><DTEND>20240305</DTEND>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20240301</DTPOSTED><TRNAMT>15000.00</TRNAMT>
<FITID>202403010001</FITID><NAME>José Pérez</NAME><MEMO>Factura 2024-0012</MEMO></STMTTRN>
<STMTTRN><TRNTYPE>DEP</TRNTYPE><DTPOSTED>20240302013000[+0:UTC]</DTPOSTED>
<TRNAMT>2500.50</TRNAMT><FITID>202403020002</FITID><NAME>Núñez Hnos</NAME></STMTTRN>
<STMTTRN><TRNTYPE>SRVCHG</TRNTYPE><DTPOSTED>20240303</DTPOSTED><TRNAMT>-350.00</TRNAMT>
<FITID>202403030003</FITID><NAME>Comisión</NAME><MEMO>Mantenimiento</MEMO></STMTTRN>
<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240304100000[-3:ART]</DTPOSTED>
<TRNAMT>-1200.00</TRNAMT><FITID>202403040004</FITID><NAME>Edenor</NAME></STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>16950.50</BALAMT><DTASOF>20240305</DTASOF></LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""
OFX_LINES = [
    ParsedLine(
        transaction_id="202403010001",
        date=dt.date(2024, 3, 1),
        amount=D("15000.00"),
        currency="ARS",
        payer="José Pérez",
        reference="Factura 2024-0012",
    ),
    ParsedLine(  # 01:30 UTC is the evening before in Buenos Aires
        transaction_id="202403020002",
        date=dt.date(2024, 3, 1),
        amount=D("2500.50"),
        currency="ARS",
        payer="Núñez Hnos",
    ),
    ParsedLine(
        transaction_id="202403030003",
        date=dt.date(2024, 3, 3),
        amount=D("-350.00"),
        currency="ARS",
        payer="Comisión",
        reference="Mantenimiento",
        not_payment=FEE,
    ),
    ParsedLine(
        transaction_id="202403040004",
        date=dt.date(2024, 3, 4),
        amount=D("-1200.00"),
        currency="ARS",
        payer="Edenor",
        not_payment=DEBIT,
    ),
]


OFX2_HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
    'NEWFILEUID="NONE"?>\n'
)


def test_ofx_2_xml(tmp_path):
    statement = read_statement(write(tmp_path, "extracto.ofx", OFX2_HEADER + OFX_BODY))
    assert (statement.format, statement.source, statement.method) == (
        "ofx",
        "ofx:0001234567",
        None,
    )
    assert list(statement.lines) == OFX_LINES


def test_ofx_1_sgml_in_windows_1252(tmp_path):
    """OFX 1.x: SGML, elements without their closing tags, CHARSET 1252."""
    header = (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
        "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
    )
    sgml = OFX_BODY
    for element in ("CODE", "SEVERITY", "DTSERVER", "LANGUAGE", "TRNUID", "CURDEF", "BANKID",
                    "ACCTID", "ACCTTYPE", "DTSTART", "DTEND", "TRNTYPE", "DTPOSTED", "TRNAMT",
                    "FITID", "NAME", "MEMO", "BALAMT", "DTASOF"):  # fmt: skip
        sgml = sgml.replace(f"</{element}>", "")
    path = write(tmp_path, "extracto.ofx", (header + sgml).encode("cp1252"))
    statement = read_statement(path, format="ofx", method="bank-transfer")
    assert (statement.source, statement.method) == ("ofx:0001234567", "bank-transfer")
    assert list(statement.lines) == OFX_LINES


# --------------------------------------------------------------------------- plain CSV
PLAIN = (
    "Fecha;Id;Ordenante;Concepto;Importe;Moneda;Saldo\n"
    "01/03/2024;PX-000123;Lucía Fernández;Factura 2024-0050;12.500,00;ARS;112.500,00\n"
    "2024-03-02;PX-000124;Martín Ibáñez;abono mensual;3500,5;ars;116.000,50\n"
    ";;;Saldo final;;;116.000,50\n"
    "03/03/2024;PX-000125;;Devolución;-1.000,00;ARS;115.000,50\n"
)
PLAIN_LINES = [
    ParsedLine(
        transaction_id="PX-000123",
        date=dt.date(2024, 3, 1),
        amount=D("12500.00"),
        currency="ARS",
        payer="Lucía Fernández",
        reference="Factura 2024-0050",
    ),
    ParsedLine(
        transaction_id="PX-000124",
        date=dt.date(2024, 3, 2),
        amount=D("3500.5"),
        currency="ARS",
        payer="Martín Ibáñez",
        reference="abono mensual",
    ),
    ParsedLine(
        transaction_id="PX-000125",
        date=dt.date(2024, 3, 3),
        amount=D("-1000.00"),
        currency="ARS",
        reference="Devolución",
        not_payment=DEBIT,
    ),
]


def test_plain_csv_mapped_by_the_setting(tmp_path):
    path = write(tmp_path, "prex.csv", PLAIN)
    statement = read_statement(path, csv_columns=CSV_COLUMNS, method="prex")
    assert (statement.format, statement.source, statement.method) == ("csv", "csv", "prex")
    assert list(statement.lines) == PLAIN_LINES
    statement = read_statement(path, format="csv", csv_columns=CSV_COLUMNS)
    assert (statement.format, statement.method) == ("csv", None)
    assert list(statement.lines) == PLAIN_LINES


# --------------------------------------------------------------------------- detection
def test_the_format_is_told_from_the_file(tmp_path):
    files = {
        "a.csv": MERCADOPAGO,
        "b.csv": PAYPAL_HEADER + PAYPAL_ROWS[0],
        "c.xml": CAMT053,
        "d.ofx": OFX2_HEADER + OFX_BODY,
    }
    found = {
        name: read_statement(write(tmp_path, name, text)).format for name, text in files.items()
    }
    assert found == {"a.csv": "mercadopago", "b.csv": "paypal", "c.xml": "camt053", "d.ofx": "ofx"}
    # the plain CSV only when its columns are given and the file has them all
    plain = write(tmp_path, "prex.csv", PLAIN)
    assert refusal(plain) == refusal(plain, csv_columns=CSV_COLUMNS.replace("Moneda", "Divisa"))
    assert read_statement(plain, csv_columns=CSV_COLUMNS).format == "csv"
    # a MercadoPago report stays one even when csv_columns are given
    mp = write(tmp_path, "mp.csv", MERCADOPAGO)
    assert read_statement(mp, csv_columns=CSV_COLUMNS).format == "mercadopago"


def _peak(path: Path, count: int) -> int:
    """The most memory held while the lines of ``path`` are read (``count`` of them)."""
    statement = read_statement(path)
    tracemalloc.start()
    try:
        assert sum(1 for _line in statement.lines) == count
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_lines_are_read_lazily_in_flat_memory(tmp_path):
    """Ten times the lines, the same memory: a line is read, given and forgotten."""
    header = PAYPAL_HEADER.split(',"Reference Txn ID"')[0] + "\n"

    def paypal(count: int) -> Path:
        rows = "".join(
            f'"01/03/2024","10:00:00","PDT","Cliente {n}","Website Payment","Completed",'
            f'"USD","{n}.00","-1.00","{n - 1}.00","c{n}@example.com","p@example.com",'
            f'"TX{n:012d}"\n'
            for n in range(1, count + 1)
        )
        return write(tmp_path, f"{count}.csv", header + rows)

    small, large = _peak(paypal(1_000), 1_000), _peak(paypal(10_000), 10_000)  # 0.15, 1.5 MB
    assert large < small + 64 * 1024, (small, large)

    start, end = CAMT053.index("<Ntry>"), CAMT053.index("</Ntry>") + len("</Ntry>")
    entry = CAMT053[start:end]

    def camt(count: int) -> Path:
        entries = "".join(entry.replace("2024030100001", f"R{n:08d}") for n in range(count))
        text = CAMT053[:start] + entries + CAMT053[CAMT053.rindex("</Ntry>") + 7 :]
        return write(tmp_path, f"{count}.xml", text)

    small, large = _peak(camt(200), 200), _peak(camt(2_000), 2_000)  # 0.2, 2 MB
    assert large < small + 64 * 1024, (small, large)


# --------------------------------------------------------------------------- refusals
def test_files_that_are_not_statements(tmp_path):
    expected = (
        "{} is not a statement hostctl reads (a MercadoPago release report, a PayPal "
        "activity download, a camt.053 or OFX bank statement, or a CSV with the columns of "
        "payment.csv_columns)."
    )
    files = {
        "notes.txt": "Pagos de marzo\nver planilla\n",
        "clients.csv": "name,email\nAna,ana@example.com\n",
        "empty.csv": "",
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "pain.xml": '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
        'pain.001.001.03"/>',
    }
    for name, content in files.items():
        assert refusal(write(tmp_path, name, content)) == expected.format(name)


def test_a_statement_without_the_columns_it_needs(tmp_path):
    mp = write(
        tmp_path,
        "mp.csv",
        "DATE;SOURCE_ID;RECORD_TYPE;DESCRIPTION;NET_CREDIT_AMOUNT\n"
        "2024-03-01T10:00:00-04:00;1;release;payment;10.00\n",
    )
    assert refusal(mp) == (
        "mp.csv is a MercadoPago release report without the columns GROSS_AMOUNT, CURRENCY; "
        "include them in the download and import it again."
    )
    pp = write(tmp_path, "pp.csv", "Date,Time,TimeZone,Name,Gross,Fee,Net\n")
    assert refusal(pp) == (
        "pp.csv is a PayPal activity download without the columns Type, Status, Currency, "
        "Transaction ID; include them in the download and import it again."
    )
    plain = write(tmp_path, "prex.csv", "Fecha;Id;Importe\n01/03/2024;A1;10\n")
    assert refusal(plain, format="csv", csv_columns=CSV_COLUMNS) == (
        "prex.csv is a CSV of payment.csv_columns without the columns Moneda, Concepto, "
        "Ordenante; include them in the download and import it again."
    )
    # a format named that the file is not
    assert refusal(write(tmp_path, "x.csv", MERCADOPAGO), format="camt053") == (
        "x.csv is not a camt.053 bank statement; check the file or the format named."
    )
    assert refusal(write(tmp_path, "y.xml", CAMT053), format="paypal") == (
        "y.xml is not a PayPal activity download; check the file or the format named."
    )


def test_the_csv_columns_setting(tmp_path):
    path = write(tmp_path, "prex.csv", PLAIN)
    for setting in (None, "", "date=Fecha,amount=Importe", "date=Fecha,importe=Importe",
                    "date=Fecha,amount=Importe,currency=Moneda,transaction_id"):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            read_statement(path, format="csv", csv_columns=setting)
        assert caught.value.message == (
            f"The setting payment.csv_columns is {setting or ''!r}; it must map at least "
            "date, amount, currency and transaction_id to columns of the file, as "
            "date=Fecha,amount=Importe,currency=Moneda,transaction_id=Id."
        )


def test_an_encoding_that_is_not_the_formats(tmp_path):
    latin1 = (PAYPAL_HEADER + PAYPAL_ROWS[0]).encode("cp1252")
    assert refusal(write(tmp_path, "pp.csv", latin1)) == (
        "pp.csv is not in UTF-8 (see line 2), the encoding of a PayPal activity download; "
        "import the file as it was downloaded, or save it as UTF-8."
    )
    utf16 = MERCADOPAGO.encode("utf-16")
    assert refusal(write(tmp_path, "mp.csv", utf16)) == (
        "mp.csv is not in UTF-8 (see line 1), the encoding of a MercadoPago release report; "
        "import the file as it was downloaded, or save it as UTF-8."
    )
    # further down than the start that tells the format: refused when the line is read
    late = (PAYPAL_HEADER + PAYPAL_ROWS[0] + "\n").encode() + b"x" * 70_000 + b"\n"
    late += PAYPAL_ROWS[1].encode("cp1252")
    assert refusal(write(tmp_path, "late.csv", late)).startswith(
        "late.csv is not in UTF-8 (see line 4)"
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><AcctSvcrRef>&lol2;</AcctSvcrRef>
<BookgDt><Dt>2024-03-01</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>
"""


def test_xml_with_a_doctype_or_entities_is_refused_unread(tmp_path):
    path = write(tmp_path, "lol.xml", BILLION_LAUGHS)
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)  # before any line is asked for
    assert caught.value.message == (
        "lol.xml declares a document type or entities, which a bank statement never does; "
        "it was refused without being read."
    )
    external = CAMT053.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE Document SYSTEM "file:///etc/passwd">',
    )
    assert refusal(write(tmp_path, "ext.xml", external)).startswith("ext.xml declares")
    ofx = OFX2_HEADER + '<!DOCTYPE x [<!ENTITY a "b">]>' + OFX_BODY
    assert refusal(write(tmp_path, "x.ofx", ofx)) == (
        "x.ofx declares a document type or entities, which an OFX statement never does; it "
        "was refused without being read."
    )
    broken = write(tmp_path, "broken.xml", CAMT053[: CAMT053.index("<Ntry>") + 40])
    assert refusal(broken).startswith("broken.xml is not well-formed XML (")


def test_an_amount_or_a_date_that_cannot_be_read_names_its_line(tmp_path):
    mp = MERCADOPAGO.replace(";5000.00;", ";5.000.0x;", 1)
    assert refusal(write(tmp_path, "mp.csv", mp)) == (
        "mp.csv, line 4: '5.000.0x' is not an amount."
    )
    mp = MERCADOPAGO.replace("2024-03-01T10:15:22.000-04:00", "01/03/2024 10:15")
    assert refusal(write(tmp_path, "mp.csv", mp)) == (
        "mp.csv, line 3: '01/03/2024 10:15' is not a date that can be read."
    )
    pp = PAYPAL_HEADER + PAYPAL_ROWS[0].replace('"01/03/2024"', '"2024-03-01"')
    assert refusal(write(tmp_path, "pp.csv", pp)) == (
        "pp.csv, line 2: the date '2024-03-01' is not written as %d/%m/%Y "
        "(payment.paypal_date_format)."
    )
    pp = PAYPAL_HEADER + PAYPAL_ROWS[0].replace('"PST"', '"Hora de Marte"')
    assert refusal(write(tmp_path, "pp.csv", pp)) == (
        "pp.csv, line 2: 'Hora de Marte' is not a time zone hostctl knows."
    )
    camt = CAMT053.replace('<Amt Ccy="EUR">80.00</Amt>', '<Amt Ccy="EUR">ochenta</Amt>')
    assert refusal(write(tmp_path, "c.xml", camt)) == "c.xml, entry 2: 'ochenta' is not an amount."
    camt = CAMT053.replace("<AcctSvcrRef>2024030300003</AcctSvcrRef>", "")
    assert refusal(write(tmp_path, "c.xml", camt)) == (
        "c.xml, entry 3: the entry has no AcctSvcrRef nor EndToEndId, so it could not be "
        "recorded once."
    )
    plain = PLAIN.replace("2024-03-02", "02/13/2024")
    assert refusal(write(tmp_path, "prex.csv", plain), csv_columns=CSV_COLUMNS) == (
        "prex.csv, line 3: '02/13/2024' is not a date that can be read."
    )
    ofx = OFX2_HEADER + OFX_BODY.replace("<TRNAMT>15000.00", "<TRNAMT>quince mil")
    assert refusal(write(tmp_path, "x.ofx", ofx)) == (
        "x.ofx, transaction 1: 'quince mil' is not an amount."
    )
    ofx = OFX2_HEADER + OFX_BODY.replace("<DTPOSTED>20240303", "<DTPOSTED>03/03/2024")
    assert refusal(write(tmp_path, "x.ofx", ofx)) == (
        "x.ofx, transaction 3: '03/03/2024' is not a date that can be read."
    )
    ofx = OFX2_HEADER + OFX_BODY.replace("<FITID>202403010001</FITID>", "")
    assert refusal(write(tmp_path, "x.ofx", ofx)) == (
        "x.ofx cannot be read as OFX: Can't set STMTTRN.fitid to None: String: Value is required."
    )


def test_two_accounts_in_one_bank_file_are_refused(tmp_path):
    second = CAMT053[CAMT053.index("<Stmt>") : CAMT053.index("</Stmt>") + 7].replace(
        "DE89370400440532013000", "DE02120300000000202051"
    )
    camt = CAMT053.replace("</Stmt>", "</Stmt>" + second, 1)
    assert refusal(write(tmp_path, "two.xml", camt)) == (
        "two.xml holds the statements of two accounts (camt053:DE89370400440532013000 and "
        "camt053:DE02120300000000202051); import the statement of each account on its own."
    )


def test_standard_input_is_read_once(monkeypatch):
    """``-``: the start that tells the format and the lines come from one read."""
    import io
    import sys

    data = (PAYPAL_HEADER + PAYPAL_ROWS[0]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    statement = read_statement("-")
    assert statement.format == "paypal"
    assert [line.transaction_id for line in statement.lines] == ["8AB12345CD6789012"]


def test_a_format_named_that_the_file_is_not(tmp_path):
    pp = write(tmp_path, "pp.csv", PAYPAL_HEADER + PAYPAL_ROWS[0])
    assert refusal(pp, format="ofx") == (
        "pp.csv is not an OFX bank statement; check the file or the format named."
    )
    # PayPal's Date and Currency are DATE and CURRENCY: names are compared without case
    assert refusal(pp, format="mercadopago") == (
        "pp.csv is a MercadoPago release report without the columns SOURCE_ID, "
        "RECORD_TYPE, GROSS_AMOUNT; include them in the download and import it again."
    )
    with pytest.raises(ValidationError) as caught:
        read_statement(pp, format="qif")
    assert caught.value.message == (
        "'qif' is not a statement format; the formats are mercadopago, paypal, camt053, ofx, csv."
    )


def test_texts_are_made_showable_and_ids_and_currencies_checked(tmp_path):
    """A payer writes their own name: control characters and direction overrides become
    spaces (one odd name does not stop a day's payments); a currency that is not a code,
    or a transaction id longer than a line keeps, is refused."""
    row = PAYPAL_ROWS[0].replace("Juan Carlos Gómez", "Juan\x1b[31m \u202eGómez\u202c\n")
    path = write(tmp_path, "pp.csv", PAYPAL_HEADER + row)
    assert next(read_statement(path).lines).payer == "Juan [31m Gómez"
    row = PAYPAL_ROWS[0].replace('"USD"', '"US$"')
    assert refusal(write(tmp_path, "pp.csv", PAYPAL_HEADER + row)) == (
        "pp.csv, line 2: 'US$' is not a currency code (three letters, as ARS)."
    )
    row = PAYPAL_ROWS[0].replace("8AB12345CD6789012", "X" * 201)
    assert refusal(write(tmp_path, "pp.csv", PAYPAL_HEADER + row)) == (
        "pp.csv, line 2: the transaction id is longer than 200 characters."
    )


def test_paypal_activity_download_in_spanish(tmp_path):
    """An account whose PayPal is in Spanish: Spanish headings (as PayPal's Spanish sites
    write them), statuses and types, a decimal comma and day-first dates."""
    path = write(
        tmp_path,
        "Descargar.csv",
        "\ufeff"
        '"Fecha","Hora","Zona horaria","Nombre","Tipo","Estado","Divisa","Bruto","Tarifa",'
        '"Neto","De la dirección de correo electrónico","A la dirección de correo electrónico",'
        '"Id. de transacción","Id. de referencia de trans.","Número de factura","Asunto",'
        '"Nota","Efecto en el saldo"\n'
        '"01/03/2024","14:05:10","GMT-03:00","Juan Carlos Gómez","Pago de sitio web",'
        '"Completado","USD","1.234,56","-54,00","1.180,56","jcgomez@example.com",'
        '"pagos@hosting.example","8AB12345CD6789012","","2024-0031","Hosting Pyme","",'
        '"Crédito"\n'
        '"02/03/2024","09:00:00","GMT-03:00","Ana Núñez","Pago de sitio web","Pendiente",'
        '"USD","20,00","-1,10","18,90","ana@example.com","pagos@hosting.example",'
        '"5PP00000AA1111111","","","","",""\n'
        '"03/03/2024","10:00:00","GMT-03:00","","Retiro general - Cuenta bancaria",'
        '"Completado","USD","-500,00","0,00","-500,00","","","7WD00000BB2222222","","","",'
        '"","Débito"\n'
        '"04/03/2024","11:00:00","GMT-03:00","Juan Carlos Gómez","Reembolso de pago",'
        '"Completado","USD","-100,00","3,20","-96,80","pagos@hosting.example",'
        '"jcgomez@example.com","9RF00000CC3333333","8AB12345CD6789012","2024-0031","","",'
        '"Débito"\n',
    )
    statement = read_statement(path)
    assert (statement.format, statement.source, statement.method) == ("paypal",) * 3
    assert list(statement.lines) == [
        ParsedLine(
            transaction_id="8AB12345CD6789012",
            date=dt.date(2024, 3, 1),
            amount=D("1234.56"),
            currency="USD",
            fee=D("54.00"),
            payer="Juan Carlos Gómez",
            payer_email="jcgomez@example.com",
            reference="2024-0031",
            description="Hosting Pyme",
        ),
        ParsedLine(
            transaction_id="7WD00000BB2222222",
            date=dt.date(2024, 3, 3),
            amount=D("-500.00"),
            currency="USD",
            fee=D("0.00"),
            not_payment=PAYOUT,
        ),
        ParsedLine(
            transaction_id="9RF00000CC3333333",
            date=dt.date(2024, 3, 4),
            amount=D("-100.00"),
            currency="USD",
            fee=D("3.20"),
            payer="Juan Carlos Gómez",
            payer_email="pagos@hosting.example",
            reference="2024-0031",
            not_payment=REFUND,
        ),
    ]
    # a Spanish download without its transaction id: the missing column named in English,
    # as the refusal of any PayPal download names it
    bad = write(
        tmp_path,
        "sin-id.csv",
        '"Fecha","Zona horaria","Tipo","Estado","Divisa","Bruto","Neto"\n'
        '"01/03/2024","GMT-03:00","Pago de sitio web","Completado","USD","1,00","1,00"\n',
    )
    with pytest.raises(ImportFileError) as refused:
        read_statement(bad)
    assert refused.value.message == (
        "sin-id.csv is a PayPal activity download without the columns Transaction ID; "
        "include them in the download and import it again."
    )
