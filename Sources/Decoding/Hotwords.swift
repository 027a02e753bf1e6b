/// Hotword boosting as a small Aho–Corasick automaton over token ids
/// (a "context graph"): each token that extends a match towards a hotword
/// phrase earns `weight`; a match that breaks loses its partial credit; a
/// completed phrase keeps `weight × length`.
///
/// With a word boundary (the separator token, in word mode) a phrase counts
/// only as whole words: it is matched as boundary + phrase + boundary, the
/// boundaries earning nothing, with the start of the text acting as one
/// (`initialState`) and the decoder stepping through one more boundary at the
/// end. So "seven" boosts "seven" and "one seven two", never "sevens" or
/// "elevens", and a phrase still being spelt when the text ends loses its credit.
public struct HotwordGraph: Sendable {
    struct Node: Sendable {
        var children: [Int: Int] = [:]
        var fail = 0
        /// Bonus earned along the path from the root to here.
        var credit: Float = 0
        var isEnd = false
    }
    var nodes: [Node] = [Node()]
    /// The separator phrases must stand between, if whole words are required.
    public let boundary: Int?
    /// The state at the start of a text.
    public private(set) var initialState = 0

    /// `phrases`: token sequences with their per-token bonus (natural log units).
    /// `wordBoundary`: the separator token id when phrases must be whole words.
    public init(phrases: [(tokens: [Int], weight: Float)], wordBoundary: Int? = nil) {
        boundary = wordBoundary
        for (tokens, weight) in phrases where !tokens.isEmpty {
            var s = 0
            let path = wordBoundary.map { [(token: $0, weight: Float(0))] } ?? []
            for (t, w) in path + tokens.map({ (token: $0, weight: weight) }) + path {
                if let c = nodes[s].children[t] { s = c } else {
                    nodes.append(Node(credit: nodes[s].credit + w))
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
        if let b = wordBoundary { initialState = step(0, token: b).state }
    }

    public var isEmpty: Bool { nodes.count == 1 }

    /// Partial credit held in state `s`.
    func partial(_ s: Int) -> Float { nodes[s].isEnd ? 0 : nodes[s].credit }

    /// Follows `token` from state `s`: the new state and the bonus earned
    /// (completed phrases credited, broken partial matches debited).
    func step(_ s: Int, token: Int) -> (state: Int, bonus: Float) {
        var f = s
        while f != 0 && nodes[f].children[token] == nil { f = nodes[f].fail }
        let next = nodes[f].children[token] ?? 0
        var bonus = partial(next) - partial(s)
        if nodes[next].isEnd { bonus += nodes[next].credit }
        return (next, bonus)
    }

    /// The bonus still to settle when the text ends in state `s`: with a word
    /// boundary, the final boundary (completing a phrase, or breaking it); without
    /// one, the partial credit of an unfinished phrase is taken back.
    func finish(_ s: Int) -> Float {
        if let b = boundary { return step(s, token: b).bonus }
        return -partial(s)
    }
}
