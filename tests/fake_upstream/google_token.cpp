// Google's OAuth2 token endpoint for service accounts (JWT bearer grant). The assertion's
// RS256 signature is checked against the test key's public half, then its header and claims;
// a good one gets a fresh access token, valid for `expires_in` seconds (3599, or the query's
// `expires_in=N` so tests can watch gw refresh it).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "clouds.hpp"

namespace fake {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::mutex g_mu;
std::map<std::string, Clock::time_point>& issued() {
  static std::map<std::string, Clock::time_point> m;
  return m;
}

void token_error(Exchange& ex, int status, const std::string& error, const std::string& desc) {
  json body = {{"error", error}, {"error_description", desc}};
  send_json(ex.res, status, body.dump());
}

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return false;  // padding and the standard alphabet are not base64url
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

bool rs256_valid(std::string_view signing_input, const std::string& sig) {
  struct Free {
    void operator()(BIO* b) const { BIO_free(b); }
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<BIO, Free> bio(BIO_new_mem_buf(
      kTestServiceAccountPublicKey.data(), static_cast<int>(kTestServiceAccountPublicKey.size())));
  std::unique_ptr<EVP_PKEY, Free> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  bool ok =
      key && ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

// The reason the assertion is refused, or "" when it is good.
std::string check_assertion(const std::string& jwt) {
  auto d1 = jwt.find('.');
  auto d2 = d1 == std::string::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string::npos || jwt.find('.', d2 + 1) != std::string::npos)
    return "Invalid JWT: not three segments";
  std::string header_s, claims_s, sig;
  if (!base64url_decode(std::string_view(jwt).substr(0, d1), header_s) ||
      !base64url_decode(std::string_view(jwt).substr(d1 + 1, d2 - d1 - 1), claims_s) ||
      !base64url_decode(std::string_view(jwt).substr(d2 + 1), sig))
    return "Invalid JWT: bad base64url";
  if (!rs256_valid(std::string_view(jwt).substr(0, d2), sig)) return "Invalid JWT Signature.";
  json header = json::parse(header_s, nullptr, false);
  json claims = json::parse(claims_s, nullptr, false);
  if (!header.is_object() || !claims.is_object()) return "Invalid JWT: not JSON";
  if (header.value("alg", "") != "RS256" || header.value("typ", "") != "JWT")
    return "Invalid JWT: alg must be RS256, typ JWT";
  if (header.value("kid", "") != kTestServiceAccountKeyId) return "Invalid JWT: unknown kid";
  if (claims.value("iss", "") != kTestServiceAccountEmail) return "Invalid JWT: unknown iss";
  if (claims.value("scope", "") != "https://www.googleapis.com/auth/cloud-platform")
    return "Invalid JWT: scope must be cloud-platform";
  if (claims.value("aud", "") != "https://oauth2.googleapis.com/token")
    return "Invalid JWT: aud must be https://oauth2.googleapis.com/token";
  if (!claims.contains("iat") || !claims["iat"].is_number_integer() || !claims.contains("exp") ||
      !claims["exp"].is_number_integer())
    return "Invalid JWT: iat and exp must be integers";
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto iat = claims["iat"].get<long long>(), exp = claims["exp"].get<long long>();
  if (iat > now + 300 || iat < now - 300) return "Invalid JWT: iat is not now";
  if (exp <= now || exp - iat > 3600) return "Invalid JWT: exp must be in the next hour";
  return "";
}

}  // namespace

void google_token(Exchange& ex) {
  ex.dialect = "google-oauth";
  if (ex.req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") ==
      std::string::npos)
    return token_error(ex, 400, "invalid_request", "form-encoded body required");
  // The form fields, decoded (cpp-httplib merges them into params).
  if (ex.req.get_param_value("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer")
    return token_error(ex, 400, "unsupported_grant_type", "Invalid grant_type");
  std::string why = check_assertion(ex.req.get_param_value("assertion"));
  if (!why.empty()) return token_error(ex, 400, "invalid_grant", why);
  int expires_in = 3599;
  if (auto v = ex.query_value("expires_in"); !v.empty())
    expires_in = std::max(1, std::atoi(v.c_str()));
  static std::atomic<int> n{0};
  std::string token = "ya29.fake-token-" + std::to_string(++n);
  {
    std::lock_guard lock(g_mu);
    issued()[token] = Clock::now() + std::chrono::seconds(expires_in);
  }
  json body = {{"access_token", token}, {"expires_in", expires_in}, {"token_type", "Bearer"}};
  send_json(ex.res, 200, body.dump());
}

bool google_token_valid(const std::string& token) {
  std::lock_guard lock(g_mu);
  auto it = issued().find(token);
  return it != issued().end() && Clock::now() < it->second;
}

}  // namespace fake
