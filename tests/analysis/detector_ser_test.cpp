// Statistical detector SER: ideal-DFE SER against closed forms and an enumeration written out
// here; the MLSE union bound against its closed form for 1+D.
#include <cmath>
#include <vector>

#include "si/analysis/detector_ser.hpp"
#include "si_test.hpp"

namespace {

double q(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

TEST(DetectorSer, NoIsiIsTheGaussianPamFormula) {
    const std::vector<double> f{0.0, 0.8, 0.0};
    for (double s : {0.05, 0.1, 0.2}) {
        EXPECT_NEAR(si::analysis::ser_ffe_dfe(f, 1, 0, s, 4), 1.5 * q(0.8 / 3 / s), 1e-12);
        EXPECT_NEAR(si::analysis::ser_ffe_dfe(f, 1, 0, s, 2), q(0.8 / s), 1e-12);
    }
}

TEST(DetectorSer, ResidualIsiMatchesEnumerationAndTheDfeRemovesItsTaps) {
    const std::vector<double> f{0.07, 1.0, 0.4, 0.12, -0.05};
    const double s = 0.09;
    // DFE cancels 0.4 and 0.12: residual 0.07 (pre) and -0.05 (post 3), 16 combinations
    double ser = 0;
    for (int i = 0; i < 16; ++i) {
        const double y = 0.07 * (-1 + 2.0 * (i % 4) / 3) - 0.05 * (-1 + 2.0 * (i / 4) / 3);
        ser += 0.75 / 16 * (q((1.0 / 3 + y) / s) + q((1.0 / 3 - y) / s));
    }
    // grid step <= sigma/16 with mass split between two bins: 0.5 % (measured ~1e-4)
    EXPECT_NEAR(si::analysis::ser_ffe_dfe(f, 1, 2, s, 4) / ser, 1.0, 0.005);
    // without the DFE the SER is far higher (post-cursor 0.4 > half-eye 1/3)
    EXPECT_GT(si::analysis::ser_ffe_dfe(f, 1, 0, s, 4), 20 * ser);
}

TEST(DetectorSer, MlseUnionBoundOnePlusDClosedForms) {
    const std::vector<double> f{1.0, 1.0};
    // PAM4: sum_j 2 j (3/4)^j = 24 events-weight at d = sqrt2 * 2/3; NRZ: sum_j 2 j (1/2)^j = 4
    // at d = 2 sqrt2. At these SNRs the farther events add < 1 %.
    const double s4 = 0.09, s2 = 0.3;
    EXPECT_NEAR(si::analysis::ser_mlse_union_bound(f, 0, 1, s4, 4) / (24 * q(std::sqrt(2.0) / 3 / s4)), 1.0, 0.01);
    EXPECT_NEAR(si::analysis::ser_mlse_union_bound(f, 0, 1, s2, 2) / (4 * q(std::sqrt(2.0) / s2)), 1.0, 0.01);
    // memory 2 (1 + 0.5 D + 0.2 D^2): the MLSE collects the post-cursor energy, so its bound is
    // below the SER of a slicer with ideal DFE feedback at the same sigma
    // noise colour: the ACF of white noise through (1, 1) is (1, 1/2); an all-zero ACF beyond
    // lag 0 is the white case; noise correlated like the 1+D signal itself (rho(1) = +1/2)
    // raises the pairwise error probability of the alternating events
    const std::vector<double> w{1.0, 1.0};
    const auto acf = si::analysis::fir_noise_acf(w);
    ASSERT_EQ(acf.size(), 2u);
    EXPECT_DOUBLE_EQ(acf[1], 0.5);
    const std::vector<double> white{1.0, 0.0};
    EXPECT_DOUBLE_EQ(si::analysis::ser_mlse_union_bound(f, 0, 1, s4, 4, white),
                     si::analysis::ser_mlse_union_bound(f, 0, 1, s4, 4));
    // alternating event e = (1, -1, ..): s has two equal entries at lags j+1 apart, so only
    // the length-1 event (s = (1, 1)) sees rho(1): s^T C s = 2 sigma^2 (1 + 1/2)
    const double single = 2 * 0.75 * q((8.0 / 9) / (2 * std::sqrt(2 * s4 * s4 * 4.0 / 9 * 1.5)));
    const double coloured = si::analysis::ser_mlse_union_bound(f, 0, 1, s4, 4, acf);
    EXPECT_GT(coloured, si::analysis::ser_mlse_union_bound(f, 0, 1, s4, 4));
    EXPECT_GT(coloured, single);
    const std::vector<double> g{1.0, 0.5, 0.2};
    const double ub2 = si::analysis::ser_mlse_union_bound(g, 0, 2, 0.1, 4);
    EXPECT_GT(ub2, 0.0);
    EXPECT_LT(ub2, 1.5 * q(1.0 / 3 / 0.1));
}

}  // namespace
