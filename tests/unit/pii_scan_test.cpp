// The Scanner as a whole: values inside CJK and Arabic text, the order and non-overlap of what
// scan returns, custom detectors (RE2 patterns and terms), configuration errors, empty and
// large inputs, hostile inputs that must stay linear, concurrent use. Last, a throughput check
// run by hand (skipped by default): pii_test -tc='pii: throughput*' --no-skip
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pii/scanner.hpp"

namespace {

using gw::pii::CustomDetector;
using gw::pii::Match;
using gw::pii::Scanner;
using gw::pii::ScannerOptions;

std::vector<std::string> all_names() {
  std::vector<std::string> v;
  for (std::string_view n : gw::pii::builtin_detectors()) v.emplace_back(n);
  return v;
}

Scanner make(ScannerOptions o) {
  auto s = Scanner::make(o);
  REQUIRE(s.has_value());
  return std::move(*s);
}

Scanner all_builtins() {
  return make({all_names(), {}});
}

std::string found(const Scanner& s, std::string_view text) {
  std::string r;
  for (const Match& m : s.scan(text)) {
    if (!r.empty()) r += '|';
    r += std::string(m.type) + "=" + std::string(text.substr(m.begin, m.end - m.begin));
  }
  return r;
}

bool sorted_disjoint(const std::vector<Match>& v, size_t size) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].begin >= v[i].end || v[i].end > size) return false;
    if (i > 0 && v[i].begin < v[i - 1].end) return false;
  }
  return true;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("pii: values inside CJK and Arabic text") {
  Scanner s = all_builtins();
  CHECK(found(s, "请联系13800138000或者发邮件到foo@example.com谢谢") ==
        "PHONE=13800138000|EMAIL=foo@example.com");
  CHECK(found(s, "田中さんのメールはtanaka@example.jpです。電話+81 90-1234-5678まで") ==
        "EMAIL=tanaka@example.jp|PHONE=+81 90-1234-5678");
  CHECK(found(s, "رقم البطاقة4111111111111111والبريدuser@example.comشكرا") ==
        "CREDIT_CARD=4111111111111111|EMAIL=user@example.com");
  CHECK(found(s, "身份证11010519491231002X，卡号6222021234567890128，IP地址10.1.2.3。") ==
        "CN_ID=11010519491231002X|CREDIT_CARD=6222021234567890128|IP=10.1.2.3");
  CHECK(found(s, "账户：DE89370400440532013000，社保123-45-6789") ==
        "IBAN=DE89370400440532013000|SSN=123-45-6789");
  // ASCII letters glue digits into an identifier; other scripts do not.
  CHECK(found(s, "编号A13800138000") == "");
  CHECK(found(s, "编号13800138000号") == "PHONE=13800138000");
}

TEST_CASE("pii: values inside JSON-escaped text (tool-call arguments)") {
  Scanner s = all_builtins();
  // \n, \t and \uXXXX end an escape, not a word: what follows is a value of its own.
  CHECK(found(s, R"({"q":"\u8bf7\u8054\u7cfb13800138000\u8c22"})") == "PHONE=13800138000");
  CHECK(found(s, R"({"to":"list:\nfoo@example.com\tbar@example.org"})") ==
        "EMAIL=foo@example.com|EMAIL=bar@example.org");
  CHECK(found(s, R"({"ip":"\n10.0.0.1","card":"\t4111111111111111"})") ==
        "IP=10.0.0.1|CREDIT_CARD=4111111111111111");
  // An escaped backslash followed by a letter is just text.
  CHECK(found(s, R"(C:\\n13800138000)") == "");
  CHECK(found(s, R"(path\x13800138000)") == "");
}

TEST_CASE("pii: matches are sorted and do not overlap") {
  Scanner s = all_builtins();
  std::string text =
      "mail a@b.com, call 555-123-4567 or +44 20 7946 0958; card 4111 1111 1111 1111; "
      "ip 10.0.0.1 and 2001:db8::1; ssn 123-45-6789; iban GB82WEST12345698765432; "
      "13800138000@qq.com; id 11010519491231002X";
  std::vector<Match> out = {{1, 2, "junk"}};  // cleared by scan
  s.scan(text, out);
  CHECK(out.size() == 10);
  CHECK(sorted_disjoint(out, text.size()));
  CHECK(out[0].type == "EMAIL");
  CHECK(text.substr(out[8].begin, out[8].end - out[8].begin) == "13800138000@qq.com");

  // Overlap between a custom detector and the built-ins: the earlier start wins, then the
  // longer; on the very same bytes, the custom detector.
  Scanner c = make({all_names(),
                    {{"TAX_ID", "[0-9]{3}-[0-9]{2}-[0-9]{4}", {}},
                     {"ACCOUNT", "acct [0-9]{3}", {}},
                     {"SHORT", "[0-9]{2}-[0-9]{4}", {}}}});
  CHECK(found(c, "ssn 123-45-6789") == "TAX_ID=123-45-6789");
  CHECK(found(c, "call 555-123-4567 now") == "PHONE=555-123-4567");
  // The phone loses to "acct 555", which frees "23-4567" for SHORT.
  CHECK(found(c, "acct 555-123-4567") == "ACCOUNT=acct 555|SHORT=23-4567");
  const std::string_view mix = "acct 555-123-4567 and 123-45-6789 x 12-3456 y 13800138000";
  std::vector<Match> v;
  c.scan(mix, v);
  CHECK(sorted_disjoint(v, mix.size()));
  CHECK(found(c, mix) ==
        "ACCOUNT=acct 555|SHORT=23-4567|TAX_ID=123-45-6789|SHORT=12-3456|PHONE=13800138000");
}

TEST_CASE("pii: custom pattern detectors") {
  Scanner s = make({{}, {{"EMPLOYEE_ID", "EMP-[0-9]{6}", {}}}});
  CHECK_FALSE(s.empty());
  CHECK(found(s, "employees EMP-123456 and EMP-654321, not EMP-12345") ==
        "EMPLOYEE_ID=EMP-123456|EMPLOYEE_ID=EMP-654321");
  CHECK(found(s, "员工EMP-000001号") == "EMPLOYEE_ID=EMP-000001");
  CHECK(found(s, "foo@example.com") == "");  // no built-in is on

  // Empty matches are no values; RE2 syntax such as (?i) and Unicode classes work.
  Scanner e = make({{}, {{"AS", "a*", {}}, {"HAN", "(?i)ticket-\\p{Han}+", {}}}});
  CHECK(found(e, "bbb") == "");
  CHECK(found(e, "xaay TICKET-机密") == "AS=aa|HAN=TICKET-机密");

  // Combined with the built-ins.
  Scanner both = make({{"email"}, {{"EMPLOYEE_ID", "EMP-[0-9]{6}", {}}}});
  CHECK(found(both, "EMP-123456 <emp@example.com>") ==
        "EMPLOYEE_ID=EMP-123456|EMAIL=emp@example.com");
}

TEST_CASE("pii: custom term detectors") {
  Scanner s = make({{},
                    {{"PROJECT", "", {"Project Falcon", "falcon-9", "C++"}},
                     {"SECRET_WORD", "", {"机密", "マル秘"}}}});
  CHECK(found(s, "the project falcon launch") == "PROJECT=project falcon");
  CHECK(found(s, "PROJECT FALCON!") == "PROJECT=PROJECT FALCON");
  CHECK(found(s, "projectfalcon, Project Falconry, xProject Falcon") == "");  // whole words
  CHECK(found(s, "Falcon-9 and FALCON-9.") == "PROJECT=Falcon-9|PROJECT=FALCON-9");
  CHECK(found(s, "C++ and c++20") == "PROJECT=C++|PROJECT=c++");  // '+' is no word end
  CHECK(found(s, "xC++") == "");
  CHECK(found(s, "这是机密文件") == "SECRET_WORD=机密");
  CHECK(found(s, "マル秘の書類とProject Falconの件") ==
        "SECRET_WORD=マル秘|PROJECT=Project Falcon");
  // Terms are literals, not patterns.
  Scanner lit = make({{}, {{"DOTS", "", {"a.b", "(x)"}}}});
  CHECK(found(lit, "axb a.b (x) x") == "DOTS=a.b|DOTS=(x)");
  // Overlapping terms: the longer one at the same start.
  Scanner ov = make({{}, {{"T", "", {"new", "new york", "york city"}}}});
  CHECK(found(ov, "New York City") == "T=New York");
}

TEST_CASE("pii: configuration errors") {
  auto bad = Scanner::make({{}, {{"EMPLOYEE_ID", "EMP-[0-9", {}}}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("EMPLOYEE_ID") != std::string::npos);
  CHECK(bad.error().find("pattern") != std::string::npos);

  auto unknown = Scanner::make({{"email", "passport"}, {}});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().find("passport") != std::string::npos);

  CHECK_FALSE(Scanner::make({{}, {{"lower_case", "x", {}}}}).has_value());
  CHECK_FALSE(Scanner::make({{}, {{"", "x", {}}}}).has_value());
  CHECK_FALSE(Scanner::make({{}, {{"BOTH", "x", {"y"}}}}).has_value());
  CHECK_FALSE(Scanner::make({{}, {{"NEITHER", "", {}}}}).has_value());
  auto empty_term = Scanner::make({{}, {{"TERMS", "", {"ok", ""}}}});
  REQUIRE_FALSE(empty_term.has_value());
  CHECK(empty_term.error().find("TERMS") != std::string::npos);
  CHECK(Scanner::make({{"email", "email"}, {}}).has_value());  // repeats are harmless
}

TEST_CASE("pii: empty scanner and empty text") {
  Scanner none;
  CHECK(none.empty());
  std::vector<Match> out = {{0, 1, "x"}};
  none.scan("foo@example.com", out);
  CHECK(out.empty());
  CHECK(make({}).empty());

  Scanner s = all_builtins();
  CHECK_FALSE(s.empty());
  s.scan("", out);
  CHECK(out.empty());
  Scanner c = make({all_names(), {{"ANY", ".*", {}}}});
  CHECK(c.scan("").empty());
  CHECK(c.scan(std::string_view()).empty());
}

TEST_CASE("pii: copies and moves keep custom type names valid") {
  std::vector<Match> out;
  Scanner moved;
  {
    Scanner s = make({{}, {{"E", "x+", {}}}});  // a short name lives inside its std::string
    Scanner copy = s;
    moved = std::move(s);
    copy.scan("a xx b", out);
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].type == "E");
  moved.scan("xxx", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].type == "E");
}

TEST_CASE("pii: one MiB of prose without PII") {
  const std::string para =
      "The quarterly report covers revenue, costs and the 3 new offices opened in 2024. "
      "Version 1.2.3 shipped on 2024-01-15 at 12:30; build v10.0.19041 follows. "
      "季度报告显示，收入增长了百分之十二，新办公室已经开放。 "
      "commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3, order #1234567, std::vector<int>. ";
  std::string text;
  while (text.size() < (1u << 20)) text += para;
  Scanner s = make({all_names(), {{"EMPLOYEE_ID", "EMP-[0-9]{6}", {}}, {"T", "", {"falcon"}}}});
  std::vector<Match> out;
  s.scan(text, out);
  CHECK(out.empty());
}

TEST_CASE("pii: hostile input stays linear") {
  Scanner s = make({all_names(), {{"EMPLOYEE_ID", "EMP-[0-9]{6}", {}}, {"T", "", {"falcon"}}}});
  const size_t n = 100000;
  std::string invalid_utf8;
  for (size_t i = 0; i < n; ++i) invalid_utf8 += static_cast<char>(0x80 + i % 0x7f);
  std::string nul_bytes(n, '\0');
  for (size_t i = 0; i < n; i += 7) nul_bytes[i] = static_cast<char>('0' + i % 10);
  auto repeat = [n](std::string_view unit) {
    std::string r;
    while (r.size() < n) r += unit;
    return r;
  };
  const std::vector<std::string> inputs = {
      invalid_utf8,
      nul_bytes,
      std::string(n, '@'),
      std::string(n, '1'),
      std::string(n, '4'),
      std::string(n, 'a') + "@example.com",
      repeat("a@"),
      repeat("a.b"),
      repeat("1."),
      repeat("1-"),
      repeat("1 "),
      repeat("+1"),
      repeat("(555) "),
      repeat("1:"),
      repeat("::"),
      repeat("f:"),
      repeat("sk-"),
      repeat("eyJ."),
      repeat("eyJhbGciOiJIUzI1NiJ9."),
      repeat("xoxb-1"),
      repeat("ghp_"),
      repeat("AKIA"),
      repeat("DE89 "),
      repeat("-----BEGIN PRIVATE KEY-----"),
      repeat("-----END "),
      repeat("4111 "),
      std::string(n, '-'),
  };
  for (const std::string& in : inputs) {
    INFO("input starts: ", in.substr(0, 24));
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Match> out;
    s.scan(in, out);
    CHECK(sorted_disjoint(out, in.size()));
    CHECK(seconds_since(t0) < 1.0);  // linear: milliseconds; quadratic: many seconds
  }
  // Ten times larger, still fast.
  for (std::string_view unit : {"@", "1", "a@b.", "1:", "sk-", "eyJ."}) {
    std::string big;
    while (big.size() < 10 * n) big += unit;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Match> out;
    s.scan(big, out);
    CHECK(seconds_since(t0) < 2.0);
  }
}

TEST_CASE("pii: one scanner used from many threads") {
  Scanner s = make({all_names(), {{"EMPLOYEE_ID", "EMP-[0-9]{6}", {}}}});
  const std::string text =
      "EMP-123456 a@b.com 13800138000 4111111111111111 10.0.0.1 11010519491231002X ";
  std::string big;
  for (int i = 0; i < 200; ++i) big += text;
  std::vector<Match> want;
  s.scan(big, want);
  REQUIRE(want.size() == 1200);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Match> out;
      bool same = true;
      for (int k = 0; k < 20; ++k) {
        s.scan(big, out);
        same = same && out == want;
      }
      ok[static_cast<size_t>(t)] = same;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 1));
}

// ---- by hand: throughput ---------------------------------------------------------------------

namespace {

// Prose from a fixed word list (a small LCG picks the words), about `size` bytes.
std::string prose(size_t size, bool chinese, bool with_pii) {
  static const char* const kEnglish[] = {
      "the",   "of",      "and",     "a",      "to",    "in",   "is",    "you",    "that",
      "it",    "he",      "was",     "for",    "on",    "are",  "as",    "with",   "his",
      "they",  "I",       "at",      "be",     "this",  "have", "from",  "or",     "one",
      "had",   "by",      "word",    "but",    "not",   "what", "all",   "were",   "we",
      "when",  "your",    "can",     "said",   "there", "use",  "an",    "each",   "which",
      "she",   "do",      "how",     "their",  "if",    "will", "up",    "other",  "about",
      "out",   "many",    "then",    "them",   "these", "so",   "some",  "her",    "would",
      "make",  "like",    "him",     "into",   "time",  "has",  "look",  "two",    "more",
      "write", "go",      "see",     "number", "no",    "way",  "could", "people", "my",
      "than",  "first",   "water",   "been",   "call",  "who",  "oil",   "its",    "now",
      "find",  "long",    "down",    "day",    "did",   "get",  "come",  "made",   "may",
      "part",  "Gateway", "Request", "Model",  "12",    "2024", "3.5",   "v1.2.3", "ok,",
      "done.", "(see",    "note)",   "e.g.",   "API:"};
  static const char* const kChinese[] = {
      "的", "一", "是",   "在",   "不",   "了",     "有",   "和", "人", "这", "中", "大",
      "为", "上", "个",   "国",   "我",   "以",     "要",   "他", "时", "来", "用", "们",
      "生", "到", "作",   "地",   "于",   "出",     "就",   "分", "对", "成", "会", "可",
      "主", "发", "年",   "动",   "同",   "工",     "也",   "能", "下", "过", "子", "说",
      "产", "种", "面",   "而",   "方",   "后",     "多",   "定", "行", "学", "法", "所",
      "民", "得", "经",   "十",   "三",   "之",     "进",   "着", "等", "部", "，", "。",
      "、", "：", "模型", "请求", "网关", "2024年", "第3章"};
  static const char* const kPii[] = {
      "foo.bar@example.com", "13800138000",         "+1 (555) 123-4567",      "4111 1111 1111 1111",
      "123-45-6789",         "11010519491231002X",  "DE89370400440532013000", "192.168.10.20",
      "2001:db8::1",         "AKIAIOSFODNN7EXAMPLE"};
  std::string out;
  out.reserve(size + 64);
  uint32_t x = 12345;
  size_t words = 0;
  while (out.size() < size) {
    x = x * 1103515245u + 12345u;
    if (with_pii && ++words % 40 == 0) {  // one value per ~40 words (~250 bytes)
      out += kPii[(x >> 16) % 10];
    } else if (chinese) {
      out += kChinese[(x >> 16) % (sizeof kChinese / sizeof *kChinese)];
      continue;  // no spaces between Chinese words
    } else {
      out += kEnglish[(x >> 16) % (sizeof kEnglish / sizeof *kEnglish)];
    }
    out += ' ';
  }
  return out;
}

}  // namespace

TEST_CASE("pii: throughput (by hand)" * doctest::skip()) {
  Scanner s = all_builtins();
  std::vector<Match> out;
  for (bool chinese : {false, true}) {
    for (bool with_pii : {false, true}) {
      const std::string text = prose(32u << 20, chinese, with_pii);
      s.scan(text, out);  // warm up
      double best = 1e9;
      for (int rep = 0; rep < 5; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        s.scan(text, out);
        best = std::min(best, seconds_since(t0));
      }
      std::printf("%-8s %-12s %8.1f MB/s  (%zu matches in %zu MB)\n",
                  chinese ? "Chinese" : "English", with_pii ? "with PII" : "without PII",
                  static_cast<double>(text.size()) / 1e6 / best, out.size(), text.size() >> 20);
    }
  }
}
