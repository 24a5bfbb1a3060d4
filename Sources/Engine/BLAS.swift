import COpenBLAS

/// Matrix product through OpenBLAS: `c = alpha * op(a) * op(b) + beta * c`, all row-major.
///
/// `op(a)` is (m, k) and `op(b)` is (k, n); `c` is (m, n). With `transposeA`, `a` is stored as
/// (k, m); with `transposeB`, `b` is stored as (n, k). This is the only place the engine calls BLAS.
/// The leading dimensions (`rowStrideA` etc., the distance between rows in elements) default to
/// packed storage; larger ones address sub-matrices, e.g. shifted views of a padded image.
package func gemm(
  _ a: UnsafePointer<Float>, transposeA: Bool = false,
  _ b: UnsafePointer<Float>, transposeB: Bool = false,
  into c: UnsafeMutablePointer<Float>,
  m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
  rowStrideA: Int? = nil, rowStrideB: Int? = nil, rowStrideC: Int? = nil
) {
  precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
  let lda = rowStrideA ?? (transposeA ? m : k)
  let ldb = rowStrideB ?? (transposeB ? k : n)
  let ldc = rowStrideC ?? n
  precondition(
    lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n) && ldc >= n,
    "gemm: row stride smaller than the row")
  guard m > 0 && n > 0 else { return }
  cblas_sgemm(
    CblasRowMajor,
    transposeA ? CblasTrans : CblasNoTrans,
    transposeB ? CblasTrans : CblasNoTrans,
    blasint(m), blasint(n), blasint(k),
    alpha, a, blasint(max(1, lda)),
    b, blasint(max(1, ldb)),
    beta, c, blasint(max(1, ldc)))
}

/// The number of threads OpenBLAS uses for each call (the core count unless changed).
var blasThreadCount: Int {
  get { Int(openblas_get_num_threads()) }
  set { openblas_set_num_threads(Int32(newValue)) }
}

/// The thread count OpenBLAS started with (`OPENBLAS_NUM_THREADS` or the core count): what
/// code that runs single-threaded products on each core restores afterwards.
let configuredBLASThreadCount = Int(openblas_get_num_threads())

/// Puts OpenBLAS on one thread (for products called from several threads at once) and returns
/// the thread count it started with, to restore afterwards.
func switchBLASToOneThread() -> Int {
  // Read before the change: a global `let` is initialised on first use, and read after it
  // would capture 1 and leave every later product in the process single-threaded.
  let restored = configuredBLASThreadCount
  blasThreadCount = 1
  return restored
}

/// The kernel set OpenBLAS picked for this process, by OpenBLAS's name: "Haswell", "SkylakeX",
/// "Prescott" (its fallback for a CPU model it does not know), ...
public var blasKernelName: String { String(cString: openblas_get_corename()) }
