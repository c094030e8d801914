// Package seating seats the paid candidates of one exam site (考点) of the
// health qualification exams in its exam rooms (考场编排). It is pure: Assign
// takes an Input and returns a Result, with no I/O, no clock and no
// randomness; the same input gives the same result.
//
// # Modes
//
// Paper candidates (纸笔作答; in practice 护理学（初级师）) sit the four paper
// sessions on the paper days (Input.PaperDays, e.g. 2024-04-13 and
// 2024-04-14) in paper rooms, on one seat for all sessions: a paper
// Assignment has Day "" and holds for every paper day. A paper room is used
// only if it is available on every paper day.
//
// Computer-based candidates (人机对话, every other specialty) sit all four
// subjects on one CBT day (Input.CBTDays) in one computer room on one seat
// (machine). A computer room seats at most min(Capacity, WorkingMachines)
// candidates a day (Room.Usable).
//
// # Hard constraints
//
// Usable capacity is never exceeded; paper candidates only in paper rooms,
// computer-based candidates only in computer rooms; one candidate per seat
// per room and day; a room is used only on days it is available. When the
// seats of a mode run out, the candidates left over are returned in
// Result.Unplaced with the reason (计算机考场座位不足：需要 N 个，仅有 M 个);
// no room is over-filled. Every candidate of a mode fits every room of that
// mode, so a candidate is unplaced only when every usable seat of the mode
// is taken. Who is left over: candidates whose previous seat became invalid
// are served first, then the others in input order.
//
// # Soft goals, in priority order
//
//  1. One specialty per room and day (one exam paper set per room): the
//     number of distinct specialties in each room-day is kept small.
//  2. Candidates of one unit (工作单位) are spread: over the rooms of their
//     specialty in proportion, and never side by side in a row when it can
//     be avoided.
//  3. Rooms are filled evenly (every room-day at about the same share of
//     its usable capacity), or, with Input.FillEarlyDaysFirst, computer
//     rooms of earlier days first. Filling evenly uses every room-day, so
//     with seats to spare a small specialty may be spread over several
//     rooms (each still holding that specialty alone); FillEarlyDaysFirst
//     uses as few room-days as the early days allow.
//  4. Seat numbers are row-major: seat s is in row (s-1)/SeatsPerRow+1,
//     column (s-1)%SeatsPerRow+1; candidates take the lowest free numbers.
//
// # Algorithm
//
// Near-linear greedy, no solver. Capacity comes in bins: one per paper room,
// one per computer room and CBT day. Per mode:
//
//  1. Pins. Previous assignments still valid are kept (see Stability).
//  2. Who is seated: the free seats of the mode are counted; if candidates
//     exceed them, the last in the order above are unplaced.
//  3. Targets. Each bin gets a target, the number of candidates it should
//     take for an even fill: the level λ with Σ clamp(λ·usable − kept, 0,
//     free) = candidates to seat is found by bisection and rounded by
//     largest remainder. With FillEarlyDaysFirst, each CBT day in turn is
//     filled to its free seats, the last day used evenly.
//  4. Allocation, specialty by specialty, largest first. Cover: a
//     specialty first takes the bins that already hold it (kept
//     candidates), then as few empty bins as its size needs, by free
//     seats, with few seats to spare: the largest while the rest exceeds
//     two bins, then the single bin or the pair of bins that covers the
//     rest with the fewest seats to spare (over buckets of bins by free
//     seats, so each pick is near O(1) in the number of bins). Even out:
//     the empty bins left that have a target go, largest target first, to
//     the specialty most loaded against the targets of its bins, while it
//     is loaded beyond them; so a specialty is split over more rooms only
//     to fill rooms evenly, never to mix. Spread: each specialty is spread
//     over its bins in proportion to their targets (beyond them, up to
//     their free seats); but when some specialty will not fit in bins of
//     its own (more specialties than rooms, or no seats to spare), every
//     specialty fills its bins one after another instead, so the spare
//     seats where the rest must mix in are few and whole. What still does
//     not fit goes, largest first, to
//     empty bins, and only when there are none to bins of other
//     specialties with spare seats (best fit, else largest spare): only
//     then does a room-day mix specialties.
//  5. Dealing. The candidates of a specialty, sorted by unit, are dealt to
//     its bins in an interleaved order proportional to the bins' shares
//     (Webster/Sainte-Laguë), so each unit is spread over the rooms in
//     proportion.
//  6. Seating. In each bin the candidates take the lowest free seats; seat
//     by seat the unit with the most candidates left that differs from the
//     neighbours in the row is taken, which avoids two of one unit side by
//     side whenever possible.
//
// Ties are broken by the order of Input.Rooms and of the days. The order
// of Input.Candidates matters only for who is left unplaced when seats are
// short and, when two previous assignments claim one seat, which is kept
// (the earlier); otherwise candidates are taken by specialty, unit and ID.
//
// The cost is O(n log n) for sorting plus O(specialties·bins) for the
// allocation; a site of 20 000 candidates takes a few tens of milliseconds.
//
// # Stability
//
// A candidate's previously published assignment (Candidate.Pinned or
// Input.Previous) is kept when it is still valid: the room exists, is of
// the candidate's mode and is available that day (for paper: on every paper
// day); the day is still a CBT day; the seat is within the capacity and not
// claimed by an earlier candidate; and the room's usable capacity still
// holds its kept candidates (when it no longer does, those on the highest
// seat numbers move, no more than the excess). Only candidates whose
// assignment became invalid move; nobody else is moved, since every
// candidate of a mode fits every room of that mode and moving others never
// frees a seat. Moved computer-based candidates keep their exam day when
// that day has a free seat. New candidates take free seats. Withdrawn
// candidates simply disappear: their seats are free and nobody moves into
// them to close the gap. Result.Moved reports every move with its reason in
// Chinese (考场 A101 已取消, 考场 A101 可用机位减少为 30 个, …); Result.Kept,
// New and Withdrawn count the rest.
//
// # Report
//
// Result.Rooms gives the fill of every usable room on every day (seated,
// usable capacity, kept, specialties, same-unit neighbours);
// Result.Binding says in Chinese which constraints bound: seats short by
// mode, full CBT days, full paper rooms, rooms that could not be used,
// room-days that mix specialties, unavoidable same-unit neighbours.
package seating
