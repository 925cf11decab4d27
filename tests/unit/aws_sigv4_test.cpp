// SigV4 against AWS's published examples: the Signature Version 4 test suite (get-vanilla,
// post-vanilla, get-vanilla-query-order-key-case; credentials AKIDEXAMPLE, 20150830T123600Z,
// us-east-1, service "service") and the S3 documentation's GET Object example. Then what
// Bedrock needs of it: a model id's ':' signed encoded twice, a session token signed.
#include <doctest/doctest.h>

#include "providers/aws_sigv4.hpp"

namespace {

namespace aws = gw::providers::aws;

const aws::Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kSuiteDate = "20150830T123600Z";
constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string authorization(const aws::SigningRequest& r, const aws::Credentials& c,
                          std::string_view region, std::string_view service,
                          std::string_view date) {
  for (const auto& [k, v] : aws::sign_v4(r, c, region, service, date))
    if (k == "authorization") return v;
  return {};
}

std::string signature(const std::string& auth) {
  auto at = auth.find("Signature=");
  return at == std::string::npos ? std::string() : auth.substr(at + 10);
}

}  // namespace

TEST_CASE("sigv4: get-vanilla, its canonical request, string to sign and Authorization") {
  aws::SigningRequest r{"GET", "example.amazonaws.com", "/", "", {}, ""};
  std::string names;
  std::string canonical = aws::canonical_request(r, kSuiteDate, "", &names);
  CHECK(canonical == std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:") + kSuiteDate +
                         "\n\nhost;x-amz-date\n" + kEmptyHash);
  CHECK(names == "host;x-amz-date");
  CHECK(aws::string_to_sign(canonical, kSuiteDate, "us-east-1", "service") ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(authorization(r, kSuite, "us-east-1", "service", kSuiteDate) ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  auto hs = aws::sign_v4(r, kSuite, "us-east-1", "service", kSuiteDate);
  REQUIRE(hs.size() == 2);  // no session token, no x-amz-security-token
  CHECK(hs[1] == std::pair<std::string, std::string>{"x-amz-date", kSuiteDate});
}

TEST_CASE("sigv4: post-vanilla and get-vanilla-query-order-key-case") {
  aws::SigningRequest post{"POST", "example.amazonaws.com", "/", "", {}, ""};
  CHECK(signature(authorization(post, kSuite, "us-east-1", "service", kSuiteDate)) ==
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  aws::SigningRequest query{"GET", "example.amazonaws.com", "/", "Param2=value2&Param1=value1", {},
                            ""};
  CHECK(signature(authorization(query, kSuite, "us-east-1", "service", kSuiteDate)) ==
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("sigv4: the S3 documentation's GET Object example (extra signed headers)") {
  aws::Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  aws::SigningRequest r{"GET",
                        "examplebucket.s3.amazonaws.com",
                        "/test.txt",
                        "",
                        {{"Range", "bytes=0-9"}, {"x-amz-content-sha256", kEmptyHash}},
                        ""};
  std::string canonical = aws::canonical_request(r, "20130524T000000Z", "", nullptr);
  CHECK(aws::sha256_hex(aws::string_to_sign(canonical, "20130524T000000Z", "us-east-1", "s3"))
            .size() == 64);
  CHECK(aws::string_to_sign(canonical, "20130524T000000Z", "us-east-1", "s3")
            .ends_with("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
  CHECK(authorization(r, c, "us-east-1", "s3", "20130524T000000Z") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sigv4: a Bedrock request: the wire path encoded once more, a session token signed") {
  aws::Credentials c{"AKIDEXAMPLE", "secret", "session-token-123"};
  std::string body = R"({"messages":[]})";
  aws::SigningRequest r{"POST",
                        "bedrock-runtime.us-east-1.amazonaws.com",
                        "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
                        "",
                        {{"Content-Type", "application/json"}},
                        body};
  std::string names;
  std::string canonical = aws::canonical_request(r, kSuiteDate, c.session_token, &names);
  CHECK(canonical.find("\n/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse\n") !=
        std::string::npos);
  CHECK(names == "content-type;host;x-amz-date;x-amz-security-token");
  CHECK(canonical.ends_with(aws::sha256_hex(body)));
  auto hs = aws::sign_v4(r, c, "us-east-1", "bedrock", kSuiteDate);
  REQUIRE(hs.size() == 3);
  CHECK(hs[0].second.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="));
  CHECK(hs[2] == std::pair<std::string, std::string>{"x-amz-security-token", "session-token-123"});
  // Any change to what was signed changes the signature.
  aws::SigningRequest other = r;
  std::string body2 = R"({"messages":[1]})";
  other.body = body2;
  CHECK(aws::sign_v4(other, c, "us-east-1", "bedrock", kSuiteDate)[0] != hs[0]);
}

TEST_CASE("sigv4: header values trimmed, inner spaces collapsed; amz_date_now's shape") {
  aws::SigningRequest r{"GET", "h", "/", "", {{"X-Thing", "  a   b  "}}, ""};
  CHECK(aws::canonical_request(r, kSuiteDate, "", nullptr).find("\nx-thing:a b\n") !=
        std::string::npos);
  std::string now = aws::amz_date_now();
  REQUIRE(now.size() == 16);
  CHECK(now[8] == 'T');
  CHECK(now.back() == 'Z');
}
