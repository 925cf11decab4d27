// AWS Signature Version 4, step by step as AWS documents it: canonical request → string to
// sign → signing key derived from the secret by date, region and service → hex signature.
#include "providers/aws_sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "api/percent.hpp"

namespace gw::providers::aws {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

// AWS's URI encoding: every byte but the unreserved ones as %XY (uppercase hex).
void uri_encode(std::string_view s, bool keep_slash, std::string& out) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kUpper[c >> 4]);
      out.push_back(kUpper[c & 15]);
    }
  }
}

std::string percent_decode(std::string_view s) {  // a stray '%' stays as it is
  return *api::percent_decode(s, /*strict=*/false);
}

// Name-value pairs decoded from the request line, encoded strictly, sorted by name then value.
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string k, v;
    uri_encode(percent_decode(part.substr(0, eq)), false, k);
    if (eq != std::string_view::npos) uri_encode(percent_decode(part.substr(eq + 1)), false, v);
    params.emplace_back(std::move(k), std::move(v));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k).append("=").append(v);
  }
  return out;
}

// Trimmed, inner runs of spaces made one.
std::string header_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

std::string canonical_request(const SigningRequest& req, std::string_view amz_date,
                              std::string_view session_token, std::string* signed_headers) {
  std::vector<std::pair<std::string, std::string>> hs;
  hs.emplace_back("host", header_value(req.host));
  hs.emplace_back("x-amz-date", std::string(amz_date));
  if (!session_token.empty()) hs.emplace_back("x-amz-security-token", std::string(session_token));
  for (const auto& [k, v] : req.headers) hs.emplace_back(lower(k), header_value(v));
  std::stable_sort(hs.begin(), hs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string out(req.method);
  out.push_back('\n');
  uri_encode(req.path.empty() ? std::string_view("/") : req.path, true, out);
  out.push_back('\n');
  out.append(canonical_query(req.query)).push_back('\n');
  std::string names;
  for (size_t i = 0; i < hs.size(); ++i) {
    if (i > 0 && hs[i].first == hs[i - 1].first) {  // a repeated header: values joined by ','
      out.pop_back();
      out.append(",").append(hs[i].second).push_back('\n');
      continue;
    }
    out.append(hs[i].first).append(":").append(hs[i].second).push_back('\n');
    if (!names.empty()) names.push_back(';');
    names.append(hs[i].first);
  }
  out.push_back('\n');
  out.append(names).push_back('\n');
  out.append(sha256_hex(req.body));
  if (signed_headers) *signed_headers = std::move(names);
  return out;
}

std::string string_to_sign(std::string_view canonical, std::string_view amz_date,
                           std::string_view region, std::string_view service) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out.append(amz_date).push_back('\n');
  out.append(amz_date.substr(0, 8)).append("/").append(region).append("/").append(service);
  out.append("/aws4_request\n");
  out.append(sha256_hex(canonical));
  return out;
}

SignedHeaders sign_v4(const SigningRequest& req, const Credentials& creds, std::string_view region,
                      std::string_view service, std::string_view amz_date) {
  std::string names;
  std::string canonical = canonical_request(req, amz_date, creds.session_token, &names);
  std::string to_sign = string_to_sign(canonical, amz_date, region, service);
  std::string_view date = amz_date.substr(0, 8);
  std::string key = hmac("AWS4" + creds.secret_access_key, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  std::string sig = hmac(key, to_sign);

  std::string auth = "AWS4-HMAC-SHA256 Credential=";
  auth.append(creds.access_key_id).append("/").append(date).append("/").append(region);
  auth.append("/").append(service).append("/aws4_request, SignedHeaders=").append(names);
  auth.append(", Signature=")
      .append(hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()));

  SignedHeaders out;
  out.emplace_back("authorization", std::move(auth));
  out.emplace_back("x-amz-date", std::string(amz_date));
  if (!creds.session_token.empty()) out.emplace_back("x-amz-security-token", creds.session_token);
  return out;
}

std::string amz_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace gw::providers::aws
