/// Matrix products with at most 16 columns: Winograd's products on the deep layers of small
/// images (relu4_x at 128x72: 12 tiles).
///
/// sgemm packs the kernels into its own layout on every call, which costs as much as the
/// multiplies when each kernel value is used for only a few columns. These products read the
/// kernels straight once, in row order, against the columns copied into one contiguous block
/// that stays in the core's cache. Measured on the 36 products of a 512-channel layer at 12
/// tiles, on both cores: 2.4-2.6 ms against sgemm's 4.1-4.4 (forward), 2.8-3.0 ms against
/// 4.1-5.2 (adjoint); the kernels' 37.7 MB then stream at about 15 GB/s. The loops are
/// unrolled by hand so that the twelve sums stay in registers; blocks of 3 rows by 32 columns
/// (for 24 tiles) were slower than sgemm (7.7-8.3 ms against 5.1-6.2 forward).
enum NarrowProducts {
  /// The most columns these products take.
  static let columns = 16

  typealias Vector = SIMD8<Float>

  /// Scratch elements `multiply` needs for `rows` x `depth` products.
  static func bufferCount(rows: Int, depth: Int) -> Int { (rows + depth) * columns }

  /// C = A B (or A^T B), like `gemm` with n <= 16 columns, `buffer` of `bufferCount` elements.
  ///
  /// Columns n ..< 16 of each row of C are overwritten with zeros (they lie inside the row's
  /// stride, which must be at least 16).
  // A (m, k) row-major (transposed: A (k, m) row-major); B (k, n) rows rowStrideB apart;
  // C (m, n) rows rowStrideC >= 16 apart
  static func multiply(
    _ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>,
    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, rowStrideB: Int, rowStrideC: Int,
    buffer: UnsafeMutablePointer<Float>
  ) {
    precondition(n <= columns && rowStrideC >= columns, "at most 16 columns, C rows of 16+")
    // the columns of B, zero-padded to 16: (k, 16)
    let block = buffer
    for i in 0..<k {
      let row = block + i * columns
      row.update(from: b + i * rowStrideB, count: n)
      (row + n).update(repeating: 0, count: columns - n)
    }
    if transposeA {
      let sums = buffer + k * columns  // (m, 16)
      adjoint(a, block, into: sums, m: m, k: k)
      for i in 0..<m { (c + i * rowStrideC).update(from: sums + i * columns, count: columns) }
    } else {
      forward(a, block, into: c, m: m, k: k, rowStrideC: rowStrideC)
    }
  }

  /// C = A B, six rows of A at a time, each one stream through memory.
  // A (m, k) row-major; B (k, 16) contiguous; C (m, 16) rows rowStrideC apart
  private static func forward(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    m: Int, k: Int, rowStrideC: Int
  ) {
    var row = 0
    while row + 6 <= m {
      let a0 = a + row * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k
      var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
      var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
      var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
      for i in 0..<k {
        let b0 = load(b + i * columns), b1 = load(b + i * columns + 8)
        var s = Vector(repeating: a0[i])
        c00.addProduct(s, b0)
        c01.addProduct(s, b1)
        s = Vector(repeating: a1[i])
        c10.addProduct(s, b0)
        c11.addProduct(s, b1)
        s = Vector(repeating: a2[i])
        c20.addProduct(s, b0)
        c21.addProduct(s, b1)
        s = Vector(repeating: a3[i])
        c30.addProduct(s, b0)
        c31.addProduct(s, b1)
        s = Vector(repeating: a4[i])
        c40.addProduct(s, b0)
        c41.addProduct(s, b1)
        s = Vector(repeating: a5[i])
        c50.addProduct(s, b0)
        c51.addProduct(s, b1)
      }
      let out = c + row * rowStrideC
      store(c00, c01, out)
      store(c10, c11, out + rowStrideC)
      store(c20, c21, out + 2 * rowStrideC)
      store(c30, c31, out + 3 * rowStrideC)
      store(c40, c41, out + 4 * rowStrideC)
      store(c50, c51, out + 5 * rowStrideC)
      row += 6
    }
    for row in row..<m {
      let a0 = a + row * k
      var c00 = Vector(), c01 = Vector()
      for i in 0..<k {
        let s = Vector(repeating: a0[i])
        c00.addProduct(s, load(b + i * columns))
        c01.addProduct(s, load(b + i * columns + 8))
      }
      store(c00, c01, c + row * rowStrideC)
    }
  }

  /// C = A^T B: four rows of A (and of B) at a time, each added into every row of C.
  // A (k, m) row-major; B (k, 16) contiguous; C (m, 16) contiguous
  private static func adjoint(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    m: Int, k: Int
  ) {
    c.update(repeating: 0, count: m * columns)
    var o = 0
    while o + 4 <= k {
      let a0 = a + o * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m
      let row = b + o * columns
      let b00 = load(row), b01 = load(row + 8), b10 = load(row + 16), b11 = load(row + 24)
      let b20 = load(row + 32), b21 = load(row + 40), b30 = load(row + 48), b31 = load(row + 56)
      for i in 0..<m {
        let out = c + i * columns
        var x0 = load(out), x1 = load(out + 8)
        var s = Vector(repeating: a0[i])
        x0.addProduct(s, b00)
        x1.addProduct(s, b01)
        s = Vector(repeating: a1[i])
        x0.addProduct(s, b10)
        x1.addProduct(s, b11)
        s = Vector(repeating: a2[i])
        x0.addProduct(s, b20)
        x1.addProduct(s, b21)
        s = Vector(repeating: a3[i])
        x0.addProduct(s, b30)
        x1.addProduct(s, b31)
        store(x0, x1, out)
      }
      o += 4
    }
    for o in o..<k {
      let a0 = a + o * m
      let b0 = load(b + o * columns), b1 = load(b + o * columns + 8)
      for i in 0..<m {
        let out = c + i * columns
        let s = Vector(repeating: a0[i])
        store(load(out).addingProduct(s, b0), load(out + 8).addingProduct(s, b1), out)
      }
    }
  }

  @inline(__always)
  private static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }

  /// Stores 16 values: `low` at p, `high` at p + 8.
  @inline(__always)
  private static func store(_ low: Vector, _ high: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: low, as: Vector.self)
    UnsafeMutableRawPointer(p + 8).storeBytes(of: high, as: Vector.self)
  }
}
