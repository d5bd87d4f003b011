#pragma once
// Helpers shared by the test executables.
#include <gtest/gtest.h>

#include "si/core/error.hpp"

#include <filesystem>
#include <string>

namespace si::testing {

/// Path of a file under ../shared/data; when that folder is absent (a user's clone), the copy
/// bundled under models/ with the same relative path (models/channels/... mirrors
/// shared/data/channels/...), else "".
inline std::string shared_data(const std::string& rel) {
    const std::filesystem::path p = std::filesystem::path(SI_SHARED_DATA_DIR) / rel;
    if (std::filesystem::exists(p)) return p.string();
    const std::filesystem::path b = std::filesystem::path(SI_SOURCE_DIR) / "models" / rel;
    return std::filesystem::exists(b) ? b.string() : std::string();
}
/// Path of a file bundled under tests/data.
inline std::string test_data(const std::string& rel) {
    return (std::filesystem::path(SI_TEST_DATA_DIR) / rel).string();
}
/// Path of a file in the source tree (models/, ...).
inline std::string source_path(const std::string& rel) {
    return (std::filesystem::path(SI_SOURCE_DIR) / rel).string();
}

}  // namespace si::testing

/// EXPECT that `stmt` throws `type` whose what() contains `substr`.
#define SI_EXPECT_THROW_MSG(stmt, type, substr)                                              \
    do {                                                                                     \
        try {                                                                                \
            stmt;                                                                            \
            ADD_FAILURE() << "expected " #type " from " #stmt;                               \
        } catch (const type& e_) {                                                           \
            EXPECT_NE(std::string(e_.what()).find(substr), std::string::npos)                \
                << "message was: " << e_.what() << "\nexpected to contain: " << (substr);    \
        }                                                                                    \
    } while (0)

/// Skip the current test when ../shared/data is not beside the checkout.
#define SI_REQUIRE_SHARED(path_var, rel)                                                     \
    const std::string path_var = si::testing::shared_data(rel);                              \
    if (path_var.empty()) GTEST_SKIP() << "../shared/data/" << (rel)                         \
                                       << " not present (a user's clone has no ../shared)"
