import Testing

@testable import Engine

/// The kernels asked for on a CPU OpenBLAS did not recognise, from flag sets of real CPUs.
@Suite struct BLASKernelsTests {
  /// /proc/cpuinfo's SIMD flags of this project's Xeon (model 207), which OpenBLAS 0.3.21 runs
  /// with its "Prescott" kernels.
  let emeraldRapids: Set<String> = [
    "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512cd",
    "avx512bw", "avx512vl", "avx512_bf16",
  ]
  let haswell: Set<String> = ["sse3", "ssse3", "sse4_1", "sse4_2", "avx", "fma", "avx2"]

  @Test func aFallbackOnAnAVX512CPUAsksForTheAVX512Kernels() {
    #expect(BLASKernels.replacement(for: "Prescott", cpuFlags: emeraldRapids) == "SkylakeX")
    #expect(BLASKernels.replacement(for: "Core2", cpuFlags: emeraldRapids) == "SkylakeX")
  }

  @Test func aFallbackOnAnAVX2CPUAsksForHaswell() {
    #expect(BLASKernels.replacement(for: "Prescott", cpuFlags: haswell) == "Haswell")
    // AVX-512 without BW/VL (Knights Landing) cannot run SkylakeX's kernels.
    #expect(BLASKernels.replacement(for: "Prescott", cpuFlags: haswell.union(["avx512f"])) == "Haswell")
  }

  @Test func aChoiceWithAVX2IsLeftAlone() {
    for kernels in ["Haswell", "SKYLAKEX", "Cooperlake", "Zen"] {
      #expect(BLASKernels.replacement(for: kernels, cpuFlags: emeraldRapids) == nil)
    }
  }

  @Test func aCPUWithoutAVX2KeepsWhatOpenBLASChose() {
    #expect(BLASKernels.replacement(for: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
    #expect(BLASKernels.replacement(for: "Prescott", cpuFlags: []) == nil)
  }
}
