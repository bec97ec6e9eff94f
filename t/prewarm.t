#!/usr/bin/perl

# A worker, once started, reads ahead the blocks every statistics query
# reads whatever its period (each series' years and all time), on a thread
# of the pool, so that its first query does not fault them in
# (onestop_store_prewarm; docs/operators-guide.md, "The thread pool").
# Each worker says so once in the log at "info", with the number of
# blocks: that number is the count of those blocks in the store, made
# here by mdb_dump; the new workers of a reload read ahead too; and the
# answers are the same as ever.

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);

my ($rc, $out, $err) = $t->cli('demo', '3000');
is($rc, 0, 'a demo store of 3,000 dossiers') or diag($err);

# the year and all-time blocks: keys of the counters database whose tag
# is a series' in lower case (p, a, c, r)
sub year_blocks {
    my $dump = `mdb_dump -s counters ${\ $t->store}`;
    return undef if $? != 0;
    my ($data) = $dump =~ /HEADER=END\n(.*)DATA=END/s or return undef;
    my @lines = split /\n/, $data;
    my $n = 0;
    for (my $i = 0; $i < @lines; $i += 2) {
        $n++ if $lines[$i] =~ /^ (?:70|61|63|72)/;
    }
    return $n;
}

my $want = year_blocks();
ok(defined $want && $want > 100, "the store has year blocks ($want)");

$t->write_standard_conf(serve => [qw(stats)], zone => '8m', keys => 0,
    main => 'error_log %%DIR%%/info.log info;');

# the lines each worker wrote, by pid, once there are $n of them
my $said = qr/\[info\] (\d+)#\d+: onestop: (\d+) blocks of the statistics/;

sub read_ahead($n) {
    my %by;
    for (1 .. 100) {
        my $log = -e $t->dir . '/info.log'
            ? Onestop::Test::slurp($t->dir . '/info.log') : '';
        %by = ();
        while ($log =~ /$said read ahead in \d+ ms/g) {
            push @{ $by{$1} }, $2;
        }
        last if keys %by >= $n;
        sleep 0.05;
    }
    return \%by;
}

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my @workers;
for (1 .. 100) {
    @workers = $t->worker_pids;
    last if @workers == 2;
    sleep 0.05;
}
is(scalar @workers, 2, 'two workers');

my $by = read_ahead(2);
is_deeply([sort keys %$by], [sort @workers],
    'each worker read the statistics ahead, once');
is_deeply([map { @$_ } values %$by], [$want, $want],
    "... every year and all-time block of the store ($want)");

my $r = $t->get('/api/v1/stats?from=2023-01-01&to=2023-12-31&group=agency');
is($r->{status}, 200, 'a one-year query by agency');
my $a = eval { $json->decode($r->{content}) } // {};
ok(@{ $a->{groups} // [] } > 10 && $a->{totals}{received} > 0,
    '... answers its groups and totals');

my ($crc, $cout) = $t->cli('stats', '--from', '2023-01-01', '--to',
    '2023-12-31', '--group', 'agency');
is($crc, 0, 'the CLI answers the same query');
is_deeply($a, eval { $json->decode($cout) } // {},
    '... with the same figures as nginx');

ok($t->reload, 'a reload');
my @new;
for (1 .. 100) {
    @new = grep { my $p = $_; !grep { $_ == $p } @workers } $t->worker_pids;
    last if @new == 2;
    sleep 0.05;
}
is(scalar @new, 2, 'two new workers');
$by = read_ahead(4);
is_deeply([sort grep { $by->{$_} } @new], [sort @new],
    'the new workers read ahead too');

ok($t->check_log, 'no alert, crit or emerg in the error log');

done_testing();
