#pragma once
// Fixed-point transcendental functions with the exact arithmetic of gemmlowp's fixedpoint
// library, which TFLite's reference softmax, logistic, tanh and LSTM kernels use. A value is a
// raw integer (int16_t or int32_t) plus a number of integer bits; the functions below take the
// integer bits at run time instead of encoding them in the type. Facts relied on: products are
// rounding doubling high multiplies; exp on [-1/4, 0) is a 4th-order Taylor series around -1/8
// refined by a barrel of exp(-2^k) factors; 1/(1+x) and (1-x)/(1+x) use three Newton-Raphson
// steps from the 48/17 - 32/17 x seed.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "refmath/quant_math.hpp"

namespace euc::refmath::fixed {

template <class Raw>
inline constexpr int kTotalBits = 8 * sizeof(Raw);

template <class Raw>
inline Raw wrap_add(Raw a, Raw b) {
  using U = std::make_unsigned_t<Raw>;
  return static_cast<Raw>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <class Raw>
inline Raw wrap_sub(Raw a, Raw b) {
  using U = std::make_unsigned_t<Raw>;
  return static_cast<Raw>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <class Raw>
inline Raw wrap_neg(Raw a) {
  return wrap_sub<Raw>(0, a);
}
template <class Raw>
inline Raw mul(Raw a, Raw b) {
  return saturating_rounding_doubling_high_mul(a, b);
}

// 1.0 in a format with `int_bits` integer bits (the maximum raw value when int_bits is 0).
template <class Raw>
inline Raw one(int int_bits) {
  if (int_bits == 0)
    return std::numeric_limits<Raw>::max();
  return static_cast<Raw>(Raw{1} << (kTotalBits<Raw> - 1 - int_bits));
}
// 2^exponent in a format with `int_bits` integer bits.
template <class Raw>
inline Raw constant_pot(int int_bits, int exponent) {
  return static_cast<Raw>(Raw{1} << (kTotalBits<Raw> - 1 - int_bits + exponent));
}
// A constant given as a 32-bit raw value, narrowed for 16-bit formats by a rounding shift.
template <class Raw>
inline Raw constant(int32_t raw32) {
  return static_cast<Raw>(rounding_divide_by_pot<int32_t>(raw32, 32 - kTotalBits<Raw>));
}
// Changes the number of integer bits from `src_bits` to `dst_bits`, saturating and rounding.
template <class Raw>
inline Raw rescale(Raw x, int src_bits, int dst_bits) {
  return saturating_rounding_multiply_by_pot<Raw>(x, src_bits - dst_bits);
}
template <class Raw>
inline Raw rounding_half_sum(Raw a, Raw b) {
  const int64_t sum = int64_t{a} + int64_t{b};
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<Raw>((sum + sign) / 2);
}
template <class Raw>
inline Raw add_saturating_if_16bit(Raw a, Raw b) {
  if constexpr (sizeof(Raw) == 2) {
    return static_cast<Raw>(std::clamp<int32_t>(int32_t{a} + int32_t{b}, -32768, 32767));
  } else {
    return wrap_add(a, b);
  }
}

// exp(a) for a in [-1/4, 0), a and result with 0 integer bits.
template <class Raw>
Raw exp_on_interval_between_negative_one_quarter_and_0_excl(Raw a) {
  const Raw constant_term = constant<Raw>(1895147668);  // exp(-1/8)
  const Raw one_third = constant<Raw>(715827883);
  const Raw x = wrap_add(a, constant_pot<Raw>(0, -3));
  const Raw x2 = mul(x, x);
  const Raw x3 = mul(x2, x);
  const Raw x4 = mul(x2, x2);
  const Raw x4_over_4 = saturating_rounding_multiply_by_pot<Raw>(x4, -2);
  const Raw poly = saturating_rounding_multiply_by_pot<Raw>(
      wrap_add(mul(wrap_add(x4_over_4, x3), one_third), x2), -1);
  return add_saturating_if_16bit(constant_term, mul(constant_term, wrap_add(x, poly)));
}

// exp(a) for a <= 0 with `int_bits` integer bits; the result has 0 integer bits.
template <class Raw>
Raw exp_on_negative_values(Raw a, int int_bits) {
  const int frac_bits = kTotalBits<Raw> - 1 - int_bits;
  const Raw one_quarter = constant_pot<Raw>(int_bits, -2);
  const Raw mask = static_cast<Raw>(one_quarter - 1);
  const Raw a_mod_quarter_minus_quarter = wrap_sub(static_cast<Raw>(a & mask), one_quarter);
  Raw result = exp_on_interval_between_negative_one_quarter_and_0_excl<Raw>(
      rescale<Raw>(a_mod_quarter_minus_quarter, int_bits, 0));
  const Raw remainder = wrap_sub(a_mod_quarter_minus_quarter, a);
  // exp(-2^k) for k = -2 .. 4 as Q0.31 constants.
  static constexpr int32_t kBarrel[] = {1672461947, 1302514674, 790015084, 290630308,
                                        39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (int_bits > k) {
      const int shift = frac_bits + k;
      if ((remainder & static_cast<Raw>(Raw{1} << shift)) != 0)
        result = mul(result, constant<Raw>(kBarrel[k + 2]));
    }
  }
  if (int_bits > 5) {
    const Raw clamp = constant<Raw>(-(1 << (36 - int_bits)));  // -32.0
    if (a < clamp)
      result = 0;
  }
  if (a == 0)
    result = one<Raw>(0);
  return result;
}

// 1 / (1 + a) for a in [0, 1), input and result with 0 integer bits.
template <class Raw>
Raw one_over_one_plus_x_for_x_in_0_1(Raw a) {
  const Raw half_denominator = rounding_half_sum(a, one<Raw>(0));
  const Raw c48_17 = constant<Raw>(1515870810);    // 48/17 with 2 integer bits
  const Raw cm32_17 = constant<Raw>(-1010580540);  // -32/17 with 2 integer bits
  Raw x = wrap_add(c48_17, mul(half_denominator, cm32_17));
  for (int i = 0; i < 3; ++i) {
    const Raw one_minus = wrap_sub(one<Raw>(2), mul(half_denominator, x));
    x = wrap_add(x, rescale<Raw>(mul(x, one_minus), 4, 2));
  }
  return rescale<Raw>(x, 1, 0);  // x/2 read with one integer bit
}

// (1 - a) / (1 + a) for a in [0, 1), input and result with 0 integer bits.
template <class Raw>
Raw one_minus_x_over_one_plus_x_for_x_in_0_1(Raw a) {
  const Raw half_denominator = rounding_half_sum(a, one<Raw>(0));
  const Raw c48_17 = constant<Raw>(1515870810);
  const Raw cm32_17 = constant<Raw>(-1010580540);
  Raw x = wrap_add(c48_17, mul(half_denominator, cm32_17));
  for (int i = 0; i < 3; ++i) {
    const Raw one_minus = wrap_sub(one<Raw>(2), mul(half_denominator, x));
    x = wrap_add(x, rescale<Raw>(mul(x, one_minus), 4, 2));
  }
  return rescale<Raw>(wrap_sub(x, one<Raw>(2)), 2, 0);
}

// tanh(a) for `int_bits` integer bits; result with 0 integer bits.
template <class Raw>
Raw tanh(Raw a, int int_bits) {
  const bool negative = a < 0;
  if (a == 0)
    return 0;
  const Raw n = negative ? a : wrap_neg(a);
  // exp(2n) reads n's raw value with one more integer bit.
  const Raw t =
      one_minus_x_over_one_plus_x_for_x_in_0_1<Raw>(exp_on_negative_values<Raw>(n, int_bits + 1));
  return negative ? wrap_neg(t) : t;
}

// 1 / (1 + exp(-a)) for `int_bits` integer bits; result with 0 integer bits.
template <class Raw>
Raw logistic(Raw a, int int_bits) {
  if (a == 0)
    return constant<Raw>(1 << 30);
  const bool positive = a > 0;
  const Raw abs_a = positive ? a : wrap_neg(a);
  const Raw r =
      one_over_one_plus_x_for_x_in_0_1<Raw>(exp_on_negative_values<Raw>(wrap_neg(abs_a), int_bits));
  return positive ? r : wrap_sub(one<Raw>(0), r);
}

}  // namespace euc::refmath::fixed
