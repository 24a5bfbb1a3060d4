import Testing

@testable import Engine

@Suite struct TensorTests {
  @Test func randomTensorsAreReproducibleAndInRange() {
    let a = Tensor(randomUniform: [2, 3, 4], in: -2...3, seed: 7)
    let b = Tensor(randomUniform: [2, 3, 4], in: -2...3, seed: 7)
    let c = Tensor(randomUniform: [2, 3, 4], in: -2...3, seed: 8)
    #expect(a == b)
    #expect(a != c)
    #expect(a.scalars.allSatisfy { (-2...3).contains($0) })
    #expect(a.count == 24)
  }
}
