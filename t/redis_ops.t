#!/usr/bin/perl

# Operating the change feed (issue 19): the Redis password read from
# password_file= (a 0600 file, read at configuration time so that a reload
# reads it again; nginx -t refuses a file that is missing, empty or open to
# its group or others, saying what to do); and an outage of Redis under
# writes logged once at error (saying what to do) and its end once at
# notice, whatever the number of attempts in between.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

my $json = JSON::PP->new->utf8->canonical;
my $PW = 'Mật-khẩu s3cret';   # a space and UTF-8: the line as it is

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $dir = $t->dir;
my $rport = $t->start_redis(args => ['--requirepass', $PW]);

$t->spew('keys', sha256_hex('feed-admin-key') . " * admin\n");
my %admin = (Authorization => 'Bearer feed-admin-key');

sub conf($args) {
    return $t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m',
        redis => "127.0.0.1:$rport prefix=t interval=100 $args");
}

sub pwfile($text, $mode) {
    my $f = "$dir/redis.pw";
    open(my $fh, '>:raw:encoding(UTF-8)', $f) or die "$f: $!";
    print $fh $text;
    close $fh or die "$f: $!";
    chmod $mode, $f or die "$f: $!";
    return $f;
}

# ---------------------------------------------------------------------
# nginx -t on password_file=

$t->write_conf(conf("password_file=$dir/none.pw"));
my ($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t: a missing password_file is refused');
like($out, qr/\[emerg\].*password_file "\Q$dir\E\/none\.pw": No such file/,
    'naming the file and why') or diag($out);

my $f = pwfile("$PW\n", 0644);
$t->write_conf(conf("password_file=$f"));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'a world-readable password_file is refused');
like($out, qr/open to its group or others \(mode 0644\): run "chmod 0600/,
    'saying its mode and what to run') or diag($out);
unlike($out, qr/s3cret/, 'never the password');

pwfile("$PW\n", 0640);
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'a group-readable password_file is refused');

pwfile('', 0600);
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'an empty password_file is refused');
like($out, qr/is empty/, 'saying so') or diag($out);

$t->write_conf(conf("password=Other-s3cret password_file=$f"));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'password= and password_file= together are refused');
like($out, qr/invalid parameter "password=\.\.\.": give password= or password_file=, not both/,
    'saying why, in this order too (not "invalid parameter password_file=")')
    or diag($out);
unlike($out . $t->error_log, qr/Other-s3cret/, 'never the password given');

# an empty password= is not "both"
$t->write_conf(conf("password="));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'an empty password= is refused');
like($out, qr/invalid parameter "password=": the password is empty/,
    'saying so') or diag($out);

# the other way round: the password= refused is not written out
$t->write_conf(conf("password_file=$f password=Other-s3cret"));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'password_file= then password= is refused too');
like($out, qr/invalid parameter "password=\.\.\.": give password= or password_file=, not both/,
    'saying why') or diag($out);
unlike($out . $t->error_log, qr/Other-s3cret/, 'never the password given');

# a password of two words, unquoted: two parameters; the second, a piece
# of the password, is not written out either
$t->write_conf(conf("password=Two s3cret-words interval=100"));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'password=two words unquoted is refused');
like($out, qr/invalid parameter "password=\.\.\.": give password= or password_file=, not both, and a password with spaces in quotes/,
    'saying why and how') or diag($out);
unlike($out . $t->error_log, qr/s3cret-words|Two/, 'no piece of the password');

pwfile("$PW\n", 0600);
$t->write_conf(conf("password_file=$f"));
($rc, $out) = $t->test_conf;
is($rc, 0, 'a 0600 password_file passes nginx -t') or diag($out);

# ---------------------------------------------------------------------
# publishing with it; a wrong one after a reload; the right one again

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($res->{status}, 200, 'catalog') or diag($res->{content});

my $N = 0;

sub post() {
    $N++;
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({
            code => sprintf('000.00.30.H36-240601-%04d', $N),
            version => 1,
            agency => '000.30.01.H36',
            procedure => '1.000894',
            channel => 'online',
            applicant => { name => 'Nguyễn Văn Bí Mật' },
            received_at => '2024-06-01',
            due_at => '2024-06-20',
        }));
    return $r->{status};
}

sub xlen() {
    my $v = $t->redis('-a', $PW, '--no-auth-warning', 'XLEN', 't:changes');
    chomp $v;
    return $v =~ /^\d+$/ ? $v + 0 : -1;
}

sub wait_xlen($n, $secs = 10) {
    my $end = time + $secs;
    while (time < $end) {
        return 1 if xlen() >= $n;
        sleep 0.1;
    }
    return 0;
}

# the catalog is one change; dossiers one each
is(post(), 200, 'a write') for 1 .. 3;
ok(wait_xlen(4), 'published to a Redis that requires the password')
    or diag('XLEN ' . xlen());

my $published = xlen();
pwfile("wrong-password\n", 0600);
$t->reload;
is(post(), 200, 'a write with the wrong password in the file') for 1 .. 2;
sleep 1.5;
is(xlen(), $published, 'after a reload: the file read again, Redis refuses');
like($t->error_log, qr/\[error\].*refuses changes.*password/,
    'logged at error, pointing at the password') or diag($t->error_log);

pwfile("$PW\n", 0600);
$t->reload;
ok(wait_xlen($published + 2), 'the right one again: the waiting changes '
    . 'are published') or diag('XLEN ' . xlen());

# ---------------------------------------------------------------------
# an outage under writes: one line at error, one at notice

my $before = $t->error_log;
my $mark = length $before;

$t->stop_redis;
my $until = time + 4;
my $writes = 0;
while (time < $until) {
    post() == 200 and $writes++;
    sleep 0.1;
}
ok($writes > 10, "writes go on while Redis is down ($writes)");

$t->start_redis;    # the same port, the same password
ok(wait_xlen(1, 15), 'Redis back: publishing again');
# the whole outbox again into an empty Redis, or what it missed
sleep 1;

my @new = split /\n/, substr($t->error_log, $mark);
my @down = grep { /\[error\].*onestop_redis.*Redis at/ } @new;
my @up = grep { /\[notice\].*onestop_redis.*back/ } @new;
is(scalar @down, 1, 'the outage: one line at error') or diag(join "\n", @new);
like($down[0] // '', qr/unavailable.*outbox.*check/,
    'saying the changes wait and what to do');
is(scalar @up, 1, 'its end: one line at notice') or diag(join "\n", @new);
like($up[0] // '', qr/after \d+ s/, 'saying how long it lasted');
is(scalar(grep { /\[(?:warn|error)\].*onestop_redis/ } @new), 1,
    'nothing else about it at warn or error');

$t->stop;
$t->stop_redis;
$t->check_log;

done_testing();
