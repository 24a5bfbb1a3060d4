/// Which OpenBLAS kernels suit a CPU that OpenBLAS did not recognise.
///
/// OpenBLAS picks its kernels by CPU model number, and a model newer than the library (Debian
/// 12's 0.3.21 on an Emerald Rapids Xeon, model 207) gets "Prescott", its SSE3 fallback: half
/// the speed of the AVX2 kernels and a third of the AVX-512 ones on the same CPU. The CPU's
/// feature flags tell what it can run; `OPENBLAS_CORETYPE` asks OpenBLAS for those kernels.
public enum BLASKernels {
  /// Kernel sets that use AVX-512 (F, CD, BW, DQ, VL), in OpenBLAS's names.
  static let avx512 = ["SkylakeX", "Cooperlake", "SapphireRapids"]
  /// Kernel sets that use AVX2 and FMA, AVX-512's included ("Zen" runs Haswell's).
  static let avx2 = ["Haswell", "Zen"] + avx512

  /// The kernels to ask for instead of `current` on a CPU with `cpuFlags` (as /proc/cpuinfo
  /// spells them: "avx2", "fma", "avx512f", ...), or nil when `current` already uses AVX2 (a
  /// choice OpenBLAS made knowingly, left alone) or the CPU has nothing better to offer.
  public static func replacement(for current: String, cpuFlags: Set<String>) -> String? {
    guard !avx2.contains(where: { $0.lowercased() == current.lowercased() }) else { return nil }
    if cpuFlags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) {
      return "SkylakeX"
    }
    if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }
}
