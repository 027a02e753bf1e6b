/// Hotword boosting as a small Aho–Corasick automaton over token ids
/// (a "context graph"): each token that extends a match towards a hotword
/// phrase earns `weight`; a match that breaks loses its partial credit; a
/// completed phrase keeps `weight × length`.
public struct HotwordGraph: Sendable {
    struct Node: Sendable {
        var children: [Int: Int] = [:]
        var fail = 0
        var depth = 0
        var weight: Float = 0
        var isEnd = false
    }
    var nodes: [Node] = [Node()]

    /// `phrases`: token sequences with their per-token bonus (natural log units).
    public init(phrases: [(tokens: [Int], weight: Float)]) {
        for (tokens, weight) in phrases where !tokens.isEmpty {
            var s = 0
            for t in tokens {
                if let c = nodes[s].children[t] { s = c } else {
                    nodes.append(Node(depth: nodes[s].depth + 1, weight: weight))
                    nodes[s].children[t] = nodes.count - 1
                    s = nodes.count - 1
                }
            }
            nodes[s].isEnd = true
        }
        // Failure links, breadth first.
        var queue = Array(nodes[0].children.values)
        var i = 0
        while i < queue.count {
            let s = queue[i]; i += 1
            for (t, c) in nodes[s].children {
                var f = nodes[s].fail
                while f != 0 && nodes[f].children[t] == nil { f = nodes[f].fail }
                let target = nodes[f].children[t] ?? 0
                nodes[c].fail = target == c ? 0 : target
                queue.append(c)
            }
        }
    }

    public var isEmpty: Bool { nodes.count == 1 }

    /// Partial credit held in state `s`.
    func partial(_ s: Int) -> Float { nodes[s].isEnd ? 0 : nodes[s].weight * Float(nodes[s].depth) }

    /// Follows `token` from state `s`: the new state and the bonus earned
    /// (completed phrases credited, broken partial matches debited).
    func step(_ s: Int, token: Int) -> (state: Int, bonus: Float) {
        var f = s
        while f != 0 && nodes[f].children[token] == nil { f = nodes[f].fail }
        let next = nodes[f].children[token] ?? 0
        var bonus = partial(next) - partial(s)
        if nodes[next].isEnd { bonus += nodes[next].weight * Float(nodes[next].depth) }
        return (next, bonus)
    }
}
