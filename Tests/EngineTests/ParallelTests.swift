import Synchronization
import Testing

@testable import Engine

@Suite struct ParallelTests {
  @Test(arguments: [0, 1, 2, 7, 1001]) func chunksCoverTheRangeOnce(count: Int) {
    var visits = [Int](repeating: 0, count: count)
    visits.withUnsafeMutableBufferPointer { visits in
      parallelChunks(0..<count) { chunk in
        for index in chunk { visits[index] += 1 }
      }
    }
    #expect(visits.allSatisfy { $0 == 1 })
  }

  @Test func nestedCallsRunSeriallyOnTheirWorker() {
    // Each outer chunk records how many inner chunks it saw: one (the whole range) when nested
    // calls stay serial.
    let innerCalls = Mutex([Int](repeating: 0, count: coreCount))
    var covered = [Int](repeating: 0, count: 2 * 100)
    covered.withUnsafeMutableBufferPointer { covered in
      parallelChunks(0..<2) { outer, worker in
        for half in outer {
          parallelChunks(0..<100) { inner in
            innerCalls.withLock { $0[worker] += 1 }
            for index in inner { covered[half * 100 + index] += 1 }
          }
        }
      }
    }
    #expect(covered.allSatisfy { $0 == 1 })
    #expect(innerCalls.withLock { $0.reduce(0, +) } == 2)
  }
}

@Suite struct FlowPairTests {
  /// Odd sizes, a single row and a single column included (the flow then has one level).
  @Test(arguments: [(41, 23), (17, 31), (37, 1), (1, 29)])
  func bothWaysSideBySideEqualTheFlowsAlone(size: (width: Int, height: Int)) {
    let first = Tensor(randomUniform: [3, size.height, size.width], in: 0...255, seed: 3)
    let second = Tensor(
      shape: first.shape, scalars: first.scalars.enumerated().map { $1 + Float($0 % 7) - 3 })
    let flow = OpticalFlow()
    let both = flow.flowsBothWays(between: first, and: second)
    let forward = flow.flow(from: first, to: second)
    let backward = flow.flow(from: second, to: first)
    // Bit-identical by construction (every kernel works per row; reductions stay serial).
    #expect(both.forward.u == forward.u && both.forward.v == forward.v)
    #expect(both.backward.u == backward.u && both.backward.v == backward.v)
  }
}
