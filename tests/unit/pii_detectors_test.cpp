// The built-in PII detectors, one table each: what they must find (true positives, with the
// exact bytes taken) and the near misses they must leave alone (checksums that fail, dates,
// versions, order numbers, timestamps, UUIDs, hashes, numbers glued to identifiers). Every
// case is scanned with all built-ins on, so a near miss that another detector would take
// shows up too. Fake credentials are assembled at run time, so that secret scanners reading
// this file find nothing to report.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "pii/scanner.hpp"

namespace {

using gw::pii::Match;
using gw::pii::Scanner;
using gw::pii::ScannerOptions;

const Scanner& all_builtins() {
  static const Scanner s = [] {
    ScannerOptions o;
    for (std::string_view n : gw::pii::builtin_detectors()) o.builtin.emplace_back(n);
    return *Scanner::make(o);
  }();
  return s;
}

// "TYPE=value|TYPE=value" for what the built-ins find in text.
std::string found(std::string_view text) {
  std::string r;
  for (const Match& m : all_builtins().scan(text)) {
    if (!r.empty()) r += '|';
    r += std::string(m.type) + "=" + std::string(text.substr(m.begin, m.end - m.begin));
  }
  return r;
}

struct Case {
  std::string text;
  std::string want;  // found(text); empty: nothing
};

void check_table(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("text: ", c.text);
    CHECK(found(c.text) == c.want);
  }
}

size_t count_positive(const std::vector<Case>& cases) {
  size_t n = 0;
  for (const Case& c : cases) n += !c.want.empty();
  return n;
}

}  // namespace

TEST_CASE("pii: built-in detector names") {
  auto names = gw::pii::builtin_detectors();
  REQUIRE(names.size() == 8);
  CHECK(names[0] == "email");
  CHECK(names[2] == "credit_card");
  CHECK(names[7] == "secret");
}

TEST_CASE("pii: payment cards") {
  const std::string C = "CREDIT_CARD=";
  std::vector<Case> cases = {
      // Found: each network, bare and grouped.
      {"card 4111111111111111 exp", C + "4111111111111111"},
      {"4111 1111 1111 1111", C + "4111 1111 1111 1111"},
      {"4111-1111-1111-1111", C + "4111-1111-1111-1111"},
      {"Visa 4012888888881881.", C + "4012888888881881"},
      {"old visa 4222222222222", C + "4222222222222"},
      {"visa19 4222222222222222224", C + "4222222222222222224"},
      {"MC 5555555555554444", C + "5555555555554444"},
      {"5105 1051 0510 5100", C + "5105 1051 0510 5100"},
      {"2223003122003222", C + "2223003122003222"},
      {"Amex 378282246310005", C + "378282246310005"},
      {"3714 496353 98431", C + "3714 496353 98431"},
      {"3782 822463 10005", C + "3782 822463 10005"},
      {"6011111111111117", C + "6011111111111117"},
      {"6011 0009 9013 9424", C + "6011 0009 9013 9424"},
      {"6440000000000005", C + "6440000000000005"},
      {"JCB 3530111333300000", C + "3530111333300000"},
      {"3566002020360505", C + "3566002020360505"},
      {"Diners 30569309025904", C + "30569309025904"},
      {"3852 000002 3237", C + "3852 000002 3237"},
      {"UnionPay 6200000000000005", C + "6200000000000005"},
      {"6222 0212 3456 7890 128", C + "6222 0212 3456 7890 128"},
      {"卡号4111111111111111请保密", C + "4111111111111111"},
      {"card:5555-5555-5555-4444, thanks", C + "5555-5555-5555-4444"},
      {"(4111111111111111)", C + "4111111111111111"},
      {"4111 1111 1111 1111 12/25", C + "4111 1111 1111 1111"},
      {"4111 1111 1111 1111 123", C + "4111 1111 1111 1111"},
      {"رقم البطاقة 4111111111111111 شكرا", C + "4111111111111111"},
      // Not cards.
      {"4111111111111112", ""},                              // Luhn fails
      {"4111 1111 1111 1112", ""},                           // Luhn fails
      {"5555555555554445", ""},                              // Luhn fails
      {"1234567812345670", ""},                              // Luhn passes, no issuer starts with 1
      {"9111111111111111", ""},                              // no issuer
      {"378282246310005 0", "CREDIT_CARD=378282246310005"},  // the lone 0 is no part
      {"3782822463100050", ""},                              // Amex is 15 digits
      {"555555555555444", ""},                               // Mastercard is 16 digits
      {"ID4111111111111111", ""},                            // glued to an identifier
      {"4111111111111111abc", ""},                           // glued
      {"41111111111111111111", ""},                          // 20 digits
      {"x 4111111111111111111111 y", ""},                    // inside a longer run
      {"4111-1111 1111-1111", ""},                           // mixed separators
      {"4111--1111--1111--1111", ""},                        // double separators
      {"4111.1111.1111.1111", ""},                           // dots are not card separators
      {"5555555555554444-1", ""},                            // glued by a dash
      {"5555 5555 5555 4444 5555", ""},                      // a longer grouped number
      {"order 1705312200123", ""},                           // ms timestamp
      {"20240115103000", ""},                                // compact timestamp
      {"2024-01-15", ""},                                    // date
      {"v4.111.111.111", ""},                                // version
      {"550e8400-e29b-41d4-a716-446655440000", ""},          // UUID
      {"4111111111111111a94a8fe5ccb19ba61c4c0873", ""},      // hex hash
      {"Tracking 9400111899223100012345", ""},               // parcel number
  };
  CHECK(cases.size() >= 30);
  CHECK(count_positive(cases) >= 15);
  check_table(cases);
}

TEST_CASE("pii: phone numbers") {
  const std::string P = "PHONE=";
  std::vector<Case> cases = {
      // Found.
      {"+1 (555) 123-4567", P + "+1 (555) 123-4567"},
      {"call (555) 123-4567 now", P + "(555) 123-4567"},
      {"(555)123-4567", P + "(555)123-4567"},
      {"555-123-4567", P + "555-123-4567"},
      {"555.123.4567", P + "555.123.4567"},
      {"call 555 123 4567 now", P + "555 123 4567"},
      {"1-800-555-0199", P + "1-800-555-0199"},
      {"+14155552671", P + "+14155552671"},
      {"+44 20 7946 0958", P + "+44 20 7946 0958"},
      {"+44 (0)20 7946 0958", P + "+44 (0)20 7946 0958"},
      {"+49 30 12345678", P + "+49 30 12345678"},
      {"+33 1 23 45 67 89", P + "+33 1 23 45 67 89"},
      {"+61 2 9876 5432", P + "+61 2 9876 5432"},
      {"+86 138 0013 8000", P + "+86 138 0013 8000"},
      {"+8613800138000", P + "+8613800138000"},
      {"13800138000", P + "13800138000"},
      {"138 0013 8000", P + "138 0013 8000"},
      {"138-0013-8000", P + "138-0013-8000"},
      {"86 13800138000", P + "86 13800138000"},
      {"0086 13800138000", P + "0086 13800138000"},
      {"请联系13800138000谢谢", P + "13800138000"},
      {"电话：+86-138-0013-8000。", P + "+86-138-0013-8000"},
      {"tel:+33612345678", P + "+33612345678"},
      {"هاتفي 13912345678 شكرا", P + "13912345678"},
      {"numbers 555-123-4567, 555-987-6543", "PHONE=555-123-4567|PHONE=555-987-6543"},
      // Not phones.
      {"2024-01-15", ""},
      {"20240115", ""},
      {"version 1.2.3", ""},
      {"v10.0.19041", ""},
      {"Order #5551234567", ""},  // bare ten digits
      {"1705312200", ""},         // unix time
      {"12345678901", ""},        // 11 digits, not 1[3-9]
      {"138001380001", ""},       // 12 digits
      {"ID13800138000", ""},      // glued
      {"13800138000123", ""},     // inside a longer run
      {"555-123-45678", ""},
      {"555-123-4567-890", ""},
      {"155-123-4567", ""},        // area code starts with 1
      {"911-123-4567", ""},        // N11 area code
      {"555-123.4567", ""},        // mixed separators
      {"+1234567", ""},            // too short
      {"+12345678901234567", ""},  // too long
      {"+0123456789", ""},         // no country code starts with 0
      {"12:30:45", ""},
      {"3.14159265358", ""},
      {"555 123 4567 8901", ""},  // a run of space-separated numbers
      {"ISBN 978-3-16-148410-0", ""},
      {"2024.01.15", ""},
      {"550e8400-e29b-41d4-a716-446655440000", ""},
      {"sha 5d41402abc4b2a76b9719d911017c592", ""},
  };
  CHECK(cases.size() >= 30);
  CHECK(count_positive(cases) >= 15);
  check_table(cases);
}

TEST_CASE("pii: mainland China resident IDs") {
  const std::string I = "CN_ID=";
  std::vector<Case> cases = {
      // Found.
      {"11010519491231002X", I + "11010519491231002X"},
      {"11010519491231002x", I + "11010519491231002x"},
      {"身份证号：440308199901010012。", I + "440308199901010012"},
      {"310115198002291235", I + "310115198002291235"},  // 29 Feb 1980
      {"110105200002290013", I + "110105200002290013"},  // 29 Feb 2000
      {"510108200012314561", I + "510108200012314561"},
      {"650102190001010008", I + "650102190001010008"},  // 1900
      {"810000198507152220", I + "810000198507152220"},
      {"710000197610083333", I + "710000197610083333"},
      {"110101199003077774", I + "110101199003077774"},
      {"330102198808088887", I + "330102198808088887"},
      {"460000199001010013", I + "460000199001010013"},
      {"620102199001010011", I + "620102199001010011"},
      {"540102199001010011", I + "540102199001010011"},
      {"910000202401310019", I + "910000202401310019"},
      {"ID: 11010519491231002X, ok", I + "11010519491231002X"},
      {"联系人张三，身份证11010519491231002X，电话13800138000",
       "CN_ID=11010519491231002X|PHONE=13800138000"},
      // Not IDs.
      {"110105194912310021", ""},     // check digit (X expected)
      {"11010519491231002Y", ""},     // not a check character
      {"110105194913310021", ""},     // month 13
      {"110105194902300020", ""},     // 30 February
      {"110105190002290017", ""},     // 1900 was no leap year
      {"110105299901010014", ""},     // born in 2999
      {"110105189912310015", ""},     // born in 1899
      {"991234199001011234", ""},     // province 99
      {"16010519900101001X", ""},     // province 16
      {"1101051949123100", ""},       // 16 digits
      {"11010519491231002", ""},      // 17 digits
      {"11010519491231002X5", ""},    // glued
      {"A11010519491231002X", ""},    // glued
      {"110105194912310029999", ""},  // inside a longer run
      {"11010519491231002X-1", ""},   // glued by a dash
      {"110105-19491231-002X", ""},   // grouped
      {"20240115", ""},
      {"2024-01-15T10:30:00Z", ""},
  };
  CHECK(cases.size() >= 30);
  CHECK(count_positive(cases) >= 15);
  check_table(cases);
}

TEST_CASE("pii: secrets") {
  const std::string S = "SECRET=";
  const std::string mixed48 = "T3BlbkFJa1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz0123";
  const std::string sk_legacy = "sk" + std::string("-") + mixed48;
  const std::string sk_proj =
      "sk" + std::string("-proj-") + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Q7" + mixed48;
  const std::string sk_ant = "sk" + std::string("-ant-api03-") + mixed48 + mixed48 + "AA";
  const std::string akia = "AKIA" + std::string("IOSFODNN7EXAMPLE");
  const std::string asia = "ASIA" + std::string("Y34FZKBOKMUTVV7A");
  const std::string gh36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  const std::string ghp = "gh" + std::string("p_") + gh36;
  const std::string gho = "gh" + std::string("o_") + gh36;
  const std::string ghu = "gh" + std::string("u_") + gh36;
  const std::string ghs = "gh" + std::string("s_") + gh36;
  const std::string ghr = "gh" + std::string("r_") + gh36;
  const std::string pat =
      "github" + std::string("_pat_") + "11ABCDEFG0123456789_abcdefghijKLMNOPQRST";
  const std::string slack_b =
      "xox" + std::string("b-") + "17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
  const std::string slack_p =
      "xox" + std::string("p-") + "1234567890-1234567890-123456789012-abcdef";
  const std::string google = "AIza" + std::string("SyA1b2C3d4E5f6G7h8I9j0K_l-M3n4O5p6Q");
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiw"
      "iaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  const std::string body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nAbCdEf0123==\n";
  const std::string pem =
      "-----BEGIN " + std::string("PRIVATE KEY-----\n") + body + "-----END PRIVATE KEY-----";
  const std::string rsa = "-----BEGIN " + std::string("RSA PRIVATE KEY-----\n") + body +
                          "-----END RSA PRIVATE KEY-----";
  const std::string ssh = "-----BEGIN " + std::string("OPENSSH PRIVATE KEY-----\n") + body +
                          "-----END OPENSSH PRIVATE KEY-----";
  const std::string truncated = "-----BEGIN " + std::string("EC PRIVATE KEY-----\nMIIEvQIBADAN");
  std::vector<Case> cases = {
      // Found.
      {"key " + sk_legacy + " end", S + sk_legacy},
      {sk_proj, S + sk_proj},
      {"OPENAI_API_KEY=" + sk_proj, S + sk_proj},
      {sk_ant, S + sk_ant},
      {"密钥是" + sk_ant + "谢谢", S + sk_ant},
      {akia, S + akia},
      {"aws_access_key_id = \"" + akia + "\"", S + akia},
      {asia + ",", S + asia},
      {ghp, S + ghp},
      {"token:" + gho, S + gho},
      {ghu, S + ghu},
      {ghs, S + ghs},
      {ghr, S + ghr},
      {pat, S + pat},
      {slack_b, S + slack_b},
      {"slack " + slack_p + ".", S + slack_p},
      {google, S + google},
      {jwt, S + jwt},
      {"Authorization: Bearer " + jwt, S + jwt},
      {"令牌" + jwt + "。", S + jwt},
      {"key:\n" + pem + "\nthanks", S + pem},
      {rsa, S + rsa},
      {ssh, S + ssh},
      {truncated, S + truncated},
      // Not secrets.
      {"sk-learn-compatible-pipeline", ""},
      {"sk-internationalization-helpers", ""},
      {"sk-short123", ""},
      {"mysk-" + mixed48, ""},
      {akia.substr(0, 19), ""},  // 15 after the prefix
      {akia + "X", ""},          // 17
      {"akiaiosfodnn7example", ""},
      {ghp.substr(0, 39), ""},  // 35 after the prefix
      {ghp + "_x", ""},
      {"gh" + std::string("x_") + gh36, ""},
      {"xox" + std::string("b-abcdefghijklmnop"), ""},  // no digit
      {"xox" + std::string("z-1234567890123"), ""},
      {"xox" + std::string("b-123-456-abc"), ""},                    // too short
      {google.substr(0, 38), ""},                                    // 34 after the prefix
      {google + "Z", ""},                                            // 36
      {"eyJhbGciOiJIUzI1NiJ9", ""},                                  // one part
      {"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", ""},                  // unsigned
      {"eyJhbGciOiJIUzI1NiJ9.eyJ.SflKxwRJSMeKKF2QT4fwpMeJf36", ""},  // payload too short
      {"-----BEGIN PUBLIC KEY-----\n" + body + "-----END PUBLIC KEY-----", ""},
      {"-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----", ""},
      {"commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", ""},
      {"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ""},
      {"id 550e8400-e29b-41d4-a716-446655440000", ""},
      {"base64 aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q=", ""},
  };
  CHECK(cases.size() >= 30);
  CHECK(count_positive(cases) >= 15);
  check_table(cases);
}

TEST_CASE("pii: e-mail addresses") {
  const std::string E = "EMAIL=";
  check_table({
      {"foo@example.com", E + "foo@example.com"},
      {"write to first.last+tag@sub.example.co.uk today", E + "first.last+tag@sub.example.co.uk"},
      {"发邮件到foo@example.com谢谢", E + "foo@example.com"},
      {"<john_doe@example.org>", E + "john_doe@example.org"},
      {"mailto:a.b-c@exa-mple.io", E + "a.b-c@exa-mple.io"},
      {"Contact: JOHN@EXAMPLE.COM.", E + "JOHN@EXAMPLE.COM"},
      {"user%name@example.com", E + "user%name@example.com"},
      {"13800138000@qq.com", E + "13800138000@qq.com"},  // not a phone inside
      {"git@github.com:org/repo.git", E + "git@github.com"},
      {"foo..bar@example.com", E + "bar@example.com"},
      {".lead@example.com", E + "lead@example.com"},
      {"البريد user@example.com شكرا", E + "user@example.com"},
      {"x@y.io", E + "x@y.io"},
      {"foo@localhost", ""},
      {"foo@bar", ""},
      {"@example.com", ""},
      {"foo.@example.com", ""},
      {"foo@example.c", ""},
      {"foo@-example.com", ""},
      {"foo@example-.com", ""},
      {"foo@example.com_x", ""},
      {"foo@example.c0m", ""},
      {"a@b@c.com", ""},
      {"user@192.168.1.1", "IP=192.168.1.1"},
      {"version@1.2.3", ""},
      {"@@@@", ""},
      {std::string(70, 'a') + "@example.com", ""},  // local part over 64
  });
}

TEST_CASE("pii: US SSNs") {
  const std::string S = "SSN=";
  check_table({
      {"123-45-6789", S + "123-45-6789"},
      {"SSN: 078-05-1120.", S + "078-05-1120"},
      {"123 45 6789", S + "123 45 6789"},
      {"社保号123-45-6789。", S + "123-45-6789"},
      {"ssn=234-56-7890", S + "234-56-7890"},
      {"665-01-0001", S + "665-01-0001"},
      {"899-99-9999", S + "899-99-9999"},
      {"000-12-3456", ""},
      {"666-12-3456", ""},
      {"900-12-3456", ""},
      {"999-12-3456", ""},
      {"123-00-4567", ""},
      {"123-45-0000", ""},
      {"123456789", ""},  // bare
      {"123-45-67890", ""},
      {"1123-45-6789", ""},
      {"123-45-6789-0", ""},
      {"A123-45-6789", ""},
      {"123 45 6789 12", ""},
      {"123-45 6789", ""},
      {"12-345-6789", ""},
      {"123-456-789", ""},
      {"2024-01-15", ""},
  });
}

TEST_CASE("pii: IBANs") {
  const std::string I = "IBAN=";
  std::vector<Case> cases;
  for (const char* iban :
       {"DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
        "ES9121000418450200051332", "IT60X0542811101000000123456", "NL91ABNA0417164300",
        "BE68539007547034", "CH9300762011623852957", "AT611904300234573201",
        "PL61109010140000071219812874", "SE4550000000058398257466", "IE29AIBK93115212345678",
        "PT50000201231234567890154", "DK5000400440116243", "NO9386011117947", "FI2112345600000785",
        "LU280019400644750000"}) {
    cases.push_back({std::string("IBAN ") + iban + ".", I + iban});
  }
  std::vector<Case> more = {
      {"DE89 3704 0044 0532 0130 00", I + "DE89 3704 0044 0532 0130 00"},
      {"GB82 WEST 1234 5698 7654 32 is mine", I + "GB82 WEST 1234 5698 7654 32"},
      {"账号DE89370400440532013000。", I + "DE89370400440532013000"},
      {"DE89370400440532013001", ""},   // MOD 97
      {"GB82WEST12345698765431", ""},   // MOD 97
      {"DE8937040044053201300", ""},    // 21 for DE
      {"DE893704004405320130000", ""},  // 23 for DE
      {"de89370400440532013000", ""},   // lower case
      {"XX89370400440532013000", ""},   // no such country
      {"DE89 3704 0044 0532 0130 001", ""},
      {"DE89 37040044 0532 0130 00", ""},  // not in fours
      {"IBANDE89370400440532013000", ""},  // glued
      {"DE89-3704-0044-0532-0130-00", ""},
      {"DE89370400440532013000X", ""},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  check_table(cases);
}

TEST_CASE("pii: IP addresses") {
  const std::string I = "IP=";
  check_table({
      {"192.168.1.1", I + "192.168.1.1"},
      {"connect 10.0.0.1:8080", I + "10.0.0.1"},
      {"255.255.255.255", I + "255.255.255.255"},
      {"0.0.0.0", I + "0.0.0.0"},
      {"from 8.8.8.8.", I + "8.8.8.8"},
      {"服务器192.168.0.1宕机", I + "192.168.0.1"},
      {"net 10.0.0.0/8", I + "10.0.0.0"},
      {"2001:db8::1", I + "2001:db8::1"},
      {"2001:0db8:85a3:0000:0000:8a2e:0370:7334", I + "2001:0db8:85a3:0000:0000:8a2e:0370:7334"},
      {"fe80::1ff:fe23:4567:890a", I + "fe80::1ff:fe23:4567:890a"},
      {"loopback ::1 here", I + "::1"},
      {"::ffff:192.0.2.1", I + "::ffff:192.0.2.1"},
      {"[2001:db8::1]:443", I + "2001:db8::1"},
      {"FE80::0202:B3FF:FE1E:8329", I + "FE80::0202:B3FF:FE1E:8329"},
      {"地址2001:db8:0:0:1:0:0:1。", I + "2001:db8:0:0:1:0:0:1"},
      {"256.1.1.1", ""},
      {"1.2.3", ""},
      {"1.2.3.4.5", ""},
      {"01.2.3.4", ""},
      {"v1.2.3.4", ""},
      {"1.2.3.4a", ""},
      {"192.168.1", ""},
      {"12:30", ""},
      {"12:30:45", ""},
      {"at 12:30:45.123", ""},
      {"::", ""},
      {"std::vector<int>", ""},
      {"a::b", ""},
      {"dead::beef", ""},
      {"x[1::2]", ""},
      {"00:1A:2B:3C:4D:5E", ""},
      {"00:1a:2b:ff:fe:3c:4d:5e", ""},
      {"1:2:3:4:5:6:7:8:9", ""},
      {"2001:db8::1::2", ""},
      {"12345::1", ""},
  });
}
