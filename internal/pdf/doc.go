// Package pdf renders kaowu's printed documents as PDF: the application
// form (申报表, ApplicationForm), the truthfulness pledges (承诺书, Pledge),
// the on-site confirmation roster (Roster), the fee receipt (Receipt), the
// admission tickets (准考证, Ticket and Tickets, with a roster for a bundle)
// and the rooms' door lists (考场门贴及签到表, DoorList), with the score
// report to come.
//
// Every document is a pure function from plain data to PDF bytes, A4, in
// the embedded CJK font (fonts/NotoSansSC-kaowu.ttf, parsed once per
// process and shared). Text stays extractable (pdftotext), including
// characters outside the Basic Multilingual Plane such as 𠮷: see
// fixToUnicode for the repair of gopdf's ToUnicode map. The small layout
// helper in layout.go (text measured and wrapped by width, bordered table
// rows, page breaks with repeated headers, page numbers) is shared by all
// documents; QR codes are encoded by rsc.io/qr and drawn as vector
// rectangles (qr.go).
package pdf
