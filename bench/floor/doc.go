// Package floor holds reference benchmarks that walk no path of the
// sandbox: what one ES256 signature, one verification and the smallest
// loopback HTTP exchange cost on the machine at hand. scripts/bench runs
// them with the others, so that each table carries the floor its figures
// sit on: a certification is 17 exchanges, three signatures and three
// verifications; a PISTE token one exchange and one signature; a register
// lookup one exchange.
package floor
