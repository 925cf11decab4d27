// AWS Signature Version 4 for a request gw sends to AWS (Bedrock): the canonical request, the
// string to sign, the derived key and the headers to add. HMAC-SHA256 and SHA-256 come from
// OpenSSL. Checked against AWS's published test-suite vectors (tests/unit/aws_sigv4_test.cpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::providers::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary (STS) credentials
};

struct SigningRequest {
  std::string_view method;  // "POST"
  std::string_view host;    // the Host header as sent: "bedrock-runtime.us-east-1.amazonaws.com"
  // The path exactly as it goes on the request line. It is URI-encoded once more for the
  // canonical request, as AWS's SDKs do for every service but S3: a Bedrock model id's ':' goes
  // out as "%3A" and is signed as "%253A".
  std::string_view path;
  std::string_view query;  // as on the request line, without '?'; "" for none
  // Headers to sign besides host and x-amz-date (and x-amz-security-token, added when the
  // credentials have a session token): e.g. content-type. Names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

// The headers to add to the request: authorization, x-amz-date and, with a session token,
// x-amz-security-token (names lowercase).
using SignedHeaders = std::vector<std::pair<std::string, std::string>>;

// amz_date is "YYYYMMDDTHHMMSSZ" (UTC); amz_date_now() gives the current one.
SignedHeaders sign_v4(const SigningRequest& req, const Credentials& creds, std::string_view region,
                      std::string_view service, std::string_view amz_date);
std::string amz_date_now();

// The steps, for tests and for the fake upstream's check.
std::string canonical_request(const SigningRequest& req, std::string_view amz_date,
                              std::string_view session_token, std::string* signed_headers);
std::string string_to_sign(std::string_view canonical, std::string_view amz_date,
                           std::string_view region, std::string_view service);
std::string sha256_hex(std::string_view data);

}  // namespace gw::providers::aws
