# gen.awk: prints one JSON array of N distinct observations in input form
# (docs/observation.md) for batch B; distinct across batches by unit and
# time. Usage: awk -v B=0 -v N=10000 -f gen.awk
BEGIN {
	printf "["
	for (i = 0; i < N; i++) {
		k = B * N + i
		printf "%s{\"observed_at\":\"2025-%02d-%02dT%02d:%02d:%02d.%03dZ\"," \
		    "\"source\":{\"type\":\"acoustic_sensor\",\"member\":\"%s\"," \
		    "\"unit\":\"s%d\"},\"category\":\"explosion\",\"location\":" \
		    "{\"lat\":39.%06d,\"lon\":46.%06d,\"precision_m\":100}}",
		    i ? "," : "", 1 + (B % 12), 1 + (i % 28), i % 24,
		    (k / 7) % 60, k % 60, k % 1000, (k % 2) ? "RU" : "TR", k,
		    (k * 7919) % 1000000, (k * 104729) % 1000000
	}
	printf "]"
}
