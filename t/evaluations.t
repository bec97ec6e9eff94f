#!/usr/bin/perl

# Citizen evaluations (SPEC section 8): by the receipt's signed QR token
# (decoded from the PNG with zbarimg) or by code with a key, index 1
# computed from timeliness, once per dossier even under concurrent
# submissions, every refusal with its status, the page's form and its 303,
# and the summary recounted here for several groups, filters and periods
# (two evaluation days: nginx restarted with another ONESTOP_TODAY), with
# small groups left out and comment text published nowhere.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode encode);
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $have_zbar = system('command -v zbarimg >/dev/null 2>&1') == 0;

my $t = Onestop::Test->new(today => '2024-06-15');
my $QRKEY = ('5e' x 16) . ('a1' x 16);
$t->spew('keys', sha256_hex('ev-admin-key') . " * admin\n"
    . sha256_hex('ev-xaydung-key') . " 000.00.15.H36 Xay dung\n"
    . sha256_hex('ev-benluc-key') . " 000.00.30.H36 Ben Luc\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_standard_conf(serve => [qw(ingest qr resolve evaluate)],
    qr_key => 1);

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my $PUBLIC = 'http://127.0.0.1:' . $t->port;
my %admin = (Authorization => 'Bearer ev-admin-key');
my %xaydung = (Authorization => 'Bearer ev-xaydung-key');
my %benluc = (Authorization => 'Bearer ev-benluc-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

# the catalog as the test knows it: agency => [name, level, top agency]
my %agency = (
    '000.00.12.H36' => ['Sở Tư pháp', 'province', '000.00.12.H36'],
    '000.00.15.H36' => ['Sở Xây dựng', 'province', '000.00.15.H36'],
    '000.00.30.H36' => ['UBND huyện Bến Lức', 'district', '000.00.30.H36'],
    '000.30.01.H36' => ['UBND thị trấn Bến Lức', 'commune', '000.00.30.H36'],
    '000.30.02.H36' => ['UBND xã Thạnh Đức', 'commune', '000.00.30.H36'],
    '000.00.31.H36' => ['UBND huyện Cần Giuộc', 'district', '000.00.31.H36'],
    '000.31.01.H36' => ['UBND xã Phước Lý', 'commune', '000.00.31.H36'],
);
my %procedure = (
    '1.001234' => ['Cấp phiếu lý lịch tư pháp', 'tu-phap'],
    '1.009999' => ['Cấp giấy phép xây dựng', 'xay-dung'],
    '1.000894' => ['Đăng ký khai sinh', 'ho-tich'],
);
my %field = ('tu-phap' => 'Tư pháp', 'xay-dung' => 'Xây dựng',
    'ho-tich' => 'Hộ tịch');
my %proc_of = ('000.00.12.H36' => '1.001234', '000.00.15.H36' => '1.009999',
    '000.30.01.H36' => '1.000894', '000.30.02.H36' => '1.000894',
    '000.31.01.H36' => '1.000894');

# --- dossiers: code => [agency, channel, timeliness or state] ---

my %dossier;
my @recs;
sub dossier ($code, $agency, $channel, $state) {
    my %m = (code => $code, version => 1, agency => $agency,
        procedure => $proc_of{$agency}, channel => $channel,
        applicant => {name => 'Nguyễn Văn Khách'},
        contact => {phone => '0909000111'},
        received_at => '2024-06-03T08:00:00+07:00',
        due_at => '2024-06-10T17:00:00+07:00');
    if ($state eq 'early') {
        $m{resolved_at} = '2024-06-07T10:00:00+07:00';
    } elsif ($state eq 'on_time') {
        $m{resolved_at} = '2024-06-10T16:00:00+07:00';
    } elsif ($state eq 'late') {
        $m{resolved_at} = '2024-06-12T09:00:00+07:00';
    } elsif ($state eq 'returned_late') {
        $m{resolved_at} = '2024-06-11';
        $m{returned_at} = '2024-06-12';
        $state = 'late';
    } elsif ($state eq 'returned_early') {
        $m{resolved_at} = '2024-06-05';
        $m{returned_at} = '2024-06-14';
        $state = 'early';
    } elsif ($state eq 'withdrawn') {
        $m{withdrawn_at} = '2024-06-05';
    } elsif ($state eq 'processing') {
        $m{due_at} = '2024-06-30';
    }
    $dossier{$code} = [$agency, $channel, $state];
    push @recs, \%m;
}

dossier('EV-A1', '000.00.12.H36', 'online', 'early');
dossier('EV-A2', '000.00.12.H36', 'online', 'on_time');
dossier('EV-A3', '000.00.12.H36', 'direct', 'late');
dossier('EV-A4', '000.00.12.H36', 'direct', 'returned_early');
dossier('EV-A5', '000.00.12.H36', 'postal', 'returned_late');
dossier('EV-A6', '000.00.12.H36', 'online', 'on_time');
dossier('EV-A7', '000.00.12.H36', 'direct', 'early');
dossier('EV-RACE', '000.00.12.H36', 'online', 'early');
dossier('EV-B1', '000.00.15.H36', 'online', 'late');
dossier('EV-B2', '000.00.15.H36', 'direct', 'early');
dossier('EV-B3', '000.00.15.H36', 'direct', 'on_time');
dossier('EV-B4', '000.00.15.H36', 'online', 'early');
dossier('EV-B5', '000.00.15.H36', 'postal', 'early');
dossier('EV-C1', '000.30.01.H36', 'direct', 'early');
dossier('EV-C2', '000.30.02.H36', 'online', 'late');
dossier("EV-D$_", '000.31.01.H36', $_ % 2 ? 'direct' : 'online', 'early')
    for 1 .. 5;
dossier('EV-OPEN', '000.00.12.H36', 'online', 'processing');
dossier('EV-WD', '000.00.12.H36', 'online', 'withdrawn');

$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# --- helpers ---

my %INDEX1 = (early => 2, on_time => 1, late => 0);

sub token_of ($code) {
    my $mac = hmac_sha256($code, pack('H*', $QRKEY));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

# the token the way a citizen gets it: the QR code of the receipt
sub scanned_token ($code) {
    return token_of($code) unless $have_zbar;
    my $r = $t->get("/qr/$code.png", headers => \%admin);
    my $file = $t->spew("$code.png", $r->{content});
    my $link = `zbarimg --raw -q '$file' 2>/dev/null`;
    $link =~ s/\n\z//;
    return $link =~ m{^\Q$PUBLIC\E/q/(.+)\z} ? $1 : "(not decoded: $link)";
}

sub post_json ($body, %h) {
    my $r = $t->http('POST', '/api/v1/evaluations',
        headers => {'Content-Type' => 'application/json', %h},
        body => ref $body ? $json->encode($body) : $body);
    my $j = eval { $json->decode($r->{content}) };
    return ($r, $j);
}

sub error_ok ($r, $status, $code, $name) {
    is($r->{status}, $status, "$name: status $status")
        or diag("$r->{status} $r->{content}");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $j = eval { $json->decode($r->{content}) } // {};
    is($j->{error}{code}, $code, "$name: error code $code") if defined $code;
    ok(defined $j->{error}{message} && length $j->{error}{message},
        "$name: error message");
}

sub form_encode (%f) {
    my $enc = sub ($s) {
        my $b = encode('UTF-8', $s);
        $b =~ s/([^A-Za-z0-9._~-])/
            $1 eq ' ' ? '+' : sprintf('%%%02X', ord $1)/gex;
        return $b;
    };
    return join '&', map { $enc->($_) . '=' . $enc->($f{$_}) } sort keys %f;
}

# the evaluations as recorded, for the recount:
# {code, date, answers {index => score}, comment}
my @EVALS;
# an evaluation the test made: source is how it was authenticated (qr:
# the receipt's token, by the API or the page's form; desk: a key)
sub recorded ($code, $date, $answers, $comment, $source = 'desk') {
    my %a = %$answers;
    delete $a{1};
    $a{1} = $INDEX1{$dossier{$code}[2]};
    push @EVALS, {code => $code, date => $date, answers => \%a,
        comment => $comment, source => $source};
    return \%a;
}

my $RFC3339 = qr/^(\d{4}-\d\d-\d\d)T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?
    (?:[Zz]|[+-]\d\d:\d\d)\z/x;

# --- the page of a finished dossier offers the form ---

my $tokA1 = scanned_token('EV-A1');
is($tokA1, token_of('EV-A1'), 'the scanned token is the signed one');
$r = $t->get("/q/$tokA1");
is($r->{status}, 200, 'the page of a finished dossier');
my $page = decode('UTF-8', $r->{content});
my ($form) = $page =~ m{(<form\b[^>]*>.*?</form>)}s;
ok(defined $form, 'it has a form');
$form //= '';
like($form, qr{<form\b[^>]*\bmethod="post"}i, 'the form posts');
my ($action) = $form =~ m{<form\b[^>]*\baction="([^"]*)"};
like($action // '', qr{^(?:\Q$PUBLIC\E)?/api/v1/evaluations\z},
    'to the evaluations location');
like($form, qr{<input\b[^>]*\bname="token"[^>]*\bvalue="\Q$tokA1\E"},
    'with the token');
for my $i (2 .. 9) {
    my @v = sort map { /\bvalue="([^"]*)"/ ? $1 : () }
        $form =~ m{(<input\b[^>]*\btype="radio"[^>]*\bname="a$i"[^>]*>)}g,
        $form =~ m{(<input\b[^>]*\bname="a$i"[^>]*\btype="radio"[^>]*>)}g;
    my %v = map { $_ => 1 } @v;
    is_deeply([sort keys %v], [0, 1, 2], "radio inputs a$i: 0, 1, 2");
}
unlike($form, qr{\bname="a1"}, 'no input for index 1 (computed)');
like($form, qr{\bname="comment"}, 'a comment field');
ok(index($page, 'đã được đánh giá') < 0, 'not evaluated yet');

for my $code (qw(EV-OPEN EV-WD)) {
    $r = $t->get('/q/' . token_of($code));
    is($r->{status}, 200, "the page of $code");
    unlike($r->{content}, qr{<form\b[^>]*evaluations}, "$code: no form");
    unlike($r->{content}, qr{\bname="a2"}, "$code: no radio inputs");
}

# --- by token ---

my ($j);
# "1" is computed: what is sent for it is ignored, whatever it is (SPEC
# section 8), a desk device's null or "auto" too
($r, $j) = post_json({token => $tokA1, answers => {1 => 'auto', 3 => 2, 7 => 1},
    comment => 'Cán bộ BÍ-MẬT-7731 rất nhiệt tình'});
is($r->{status}, 201, 'evaluation by token: 201') or diag($r->{content});
like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'JSON');
is_deeply([sort keys %{$j // {}}], [qw(answers code evaluated_at)],
    'members code, answers, evaluated_at');
is($j->{code}, 'EV-A1', 'the code');
is_deeply($j->{answers}, recorded('EV-A1', '2024-06-15', {3 => 2, 7 => 1},
    'Cán bộ BÍ-MẬT-7731 rất nhiệt tình', 'qr'),
    'answers: the given ones, "1" computed (early: 2), the sent "1" ignored');
like($j->{evaluated_at} // '', $RFC3339, 'evaluated_at is RFC 3339');
is(($j->{evaluated_at} // '') =~ $RFC3339 ? $1 : undef, '2024-06-15',
    'evaluated today (ONESTOP_TODAY)');
for my $i (keys %{$j->{answers}}) {
    ok(JSON::PP::is_bool($j->{answers}{$i}) ? 0
        : $r->{content} =~ /"$i":\s*\d/, "answer $i is a number");
}

($r, $j) = post_json({token => $tokA1, answers => {2 => 2}});
error_ok($r, 409, undef, 'a second evaluation by token');
($r, $j) = post_json({code => 'EV-A1', answers => {2 => 2}}, %admin);
error_ok($r, 409, undef, 'a second evaluation by code');

# --- refusals ---

($r) = post_json({token => token_of('EV-OPEN'), answers => {2 => 1}});
error_ok($r, 422, undef, 'an unfinished dossier');
($r) = post_json({code => 'EV-OPEN', answers => {2 => 1}}, %admin);
error_ok($r, 422, undef, 'an unfinished dossier by code');
($r) = post_json({code => 'EV-WD', answers => {2 => 1}}, %admin);
error_ok($r, 422, undef, 'a withdrawn dossier');
($r) = post_json({code => 'NO-SUCH-CODE', answers => {2 => 1}}, %admin);
error_ok($r, 404, 'not_found', 'an unknown code with a key');

my $tokA2 = token_of('EV-A2');
my $flip = $tokA2;
substr($flip, -1, 1) = substr($flip, -1) eq 'A' ? 'B' : 'A';
for my $bad ([$flip, 'one character of the signature changed'],
    ['EV-A2.' . (split /\./, token_of('EV-A3'))[-1], "another's signature"],
    [token_of('NO-SUCH-CODE'), 'a signed unknown code'],
    ['EV-A2', 'no signature'], ['', 'an empty token'],
    ['EV-A2.' . ('A' x 16), 'a well-formed wrong signature'])
{
    ($r) = post_json({token => $bad->[0], answers => {2 => 1}});
    error_ok($r, 404, 'not_found', "bad token: $bad->[1]");
}

($r) = post_json({code => 'EV-A2', answers => {2 => 1}});
error_ok($r, 401, 'unauthorized', 'a bare code without a key');
($r) = post_json({code => 'EV-A2', answers => {2 => 1}},
    Authorization => 'Bearer no-such-key');
error_ok($r, 401, 'unauthorized', 'a code with an unknown key');
($r) = post_json({code => 'EV-A2', answers => {2 => 1}}, %xaydung);
error_ok($r, 403, 'forbidden', "a key that does not cover the agency");
($r) = post_json({code => 'EV-C2', answers => {2 => 1}}, %xaydung);
error_ok($r, 403, 'forbidden', "a department's key on a commune");

for my $bad (
    [{3 => 3}, '3 out of range'], [{3 => -1}, '-1 out of range'],
    [{3 => '2'}, 'a string "2"'], [{3 => 1.5}, '1.5'],
    [{10 => 1}, 'unknown index "10"'], [{0 => 1}, 'unknown index "0"'],
    [{2 => 1, 10 => 1}, 'a good answer beside index "10"'],
    [{}, 'no answer'], [{1 => 2}, 'only index 1 (computed, so none)'],
    [{3 => undef}, 'null'], [{3 => JSON::PP::true}, 'true'],
    [[2, 1], 'answers as an array'], ['2', 'answers as a string'])
{
    ($r) = post_json({token => $tokA2, answers => $bad->[0]});
    error_ok($r, 422, undef, "answers: $bad->[1]");
}
($r) = post_json({token => $tokA2});
error_ok($r, 422, undef, 'no answers member');
($r) = post_json('{"token": "' . $tokA2 . '", "answers": {"2": 2}');
error_ok($r, 400, 'bad_request', 'not JSON');
($r) = post_json('[1, 2]');
error_ok($r, 400, 'bad_request', 'not an object');
# a member given twice: libraries differ on which one they take (the
# first here, the last there), so neither is, as the form's "a3 is given
# twice" and a batch's records
for my $twice ('{"token": "%s", "token": "%s", "answers": {"2": 2}}',
    '{"token": "%s", "answers": {"2": 2, "2": 0}}',
    '{"token": "%s", "answers": {"2": 2}, "answers": {"3": 0}}',
    '{"token": "%s", "answers": {"2": 2}, "comment": "a", "comment": "b"}')
{
    ($r) = post_json(sprintf($twice, $tokA2, $tokA2));
    error_ok($r, 400, 'bad_request', "given twice: $twice");
    like($r->{content}, qr/given twice/, '  says so');
}

$r = $t->get('/api/v1/evaluations');
error_ok($r, 405, undef, 'GET on the evaluations location');
$r = $t->http('POST', '/api/v1/evaluations/summary', body => '{}');
error_ok($r, 405, undef, 'POST on the summary');

# nothing of the refused ones was recorded: EV-A2 can still be evaluated

# --- the page's form ---

$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => $tokA2, a2 => 1, a5 => 0, a9 => 2,
        comment => 'Góp ý BÍ-MẬT-4410 qua biểu mẫu'));
is($r->{status}, 303, 'the form: 303') or diag($r->{content});
is($r->{headers}{location}, "$PUBLIC/q/$tokA2#danh-gia",
    'Location: the dossier\'s page, at the evaluation');
recorded('EV-A2', '2024-06-15', {2 => 1, 5 => 0, 9 => 2},
    'Góp ý BÍ-MẬT-4410 qua biểu mẫu', 'qr');

$r = $t->get("/q/$tokA2");
is($r->{status}, 200, 'the page after the form');
$page = decode('UTF-8', $r->{content});
ok(index($page, 'đã được đánh giá') >= 0, 'it says the dossier was evaluated');
unlike($page, qr{\bname="a2"}, 'no form any more');
ok(index($page, 'BÍ-MẬT-4410') < 0, 'the comment is not shown');

$r = $t->get("/q/$tokA1");
ok(index(decode('UTF-8', $r->{content}), 'đã được đánh giá') >= 0,
    'the page of the one evaluated by JSON says so too');

$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => $tokA2, a3 => 2));
# a form sent again (back button, double click) is not recorded twice; the
# browser is sent back to the page, which says the dossier was evaluated
is($r->{status}, 303, 'the form a second time: 303 back to the page');
is($r->{headers}{location}, "$PUBLIC/q/$tokA2#danh-gia",
    'the second form: Location the dossier\'s page');

# the form with a comment only, or a bad answer, records nothing
my $tokA3 = token_of('EV-A3');
$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => $tokA3, comment => 'chỉ góp ý'));
is($r->{status}, 422, 'the form without an answer: 422');
# the citizen on the /q/ page reads a Vietnamese page, not JSON
like($r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8},
    'the form\'s failure is a page');
like(decode('UTF-8', $r->{content} // ''), qr/Nội dung chưa hợp lệ/,
    'which says what is wrong, in Vietnamese');
unlike($r->{content} // '', qr/"error"/, 'not the error object');
# what was wrong, and the way back to the form, first among the links
like(decode('UTF-8', $r->{content} // ''),
    qr/Phiếu đánh giá chưa có câu trả lời nào/,
    'it says no answer was chosen');
like($r->{content} // '',
    qr{<ul><li><a href="\Q$PUBLIC/q/$tokA3#danh-gia\E">},
    'and links back to the form on the dossier\'s page');
$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => $tokA3, a4 => 3));
is($r->{status}, 422, 'the form with a4=3: 422');
like(decode('UTF-8', $r->{content} // ''), qr/Mỗi mục đánh giá chỉ chọn/,
    'the page says an answer is not one of the form\'s');
# a token of other characters is not put into the link
$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => "$tokA3\"><b>x</b>", a4 => 3));
is($r->{status}, 422, 'a4=3 with a strange token: 422');
unlike($r->{content} // '', qr{Quay lại|<b>x}, 'no way back, nothing of it');
$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => "$tokA3.x", a4 => 1));
is($r->{status}, 404, 'the form with a bad token: 404');
like($r->{headers}{'content-type'} // '', qr{^text/html},
    'a page too');
$r = $t->http('POST', '/api/v1/evaluations',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => form_encode(token => $tokA3, a1 => 'x', a4 => 1));
is($r->{status}, 303, 'the form with a1 (ignored) and a4: 303');
recorded('EV-A3', '2024-06-15', {4 => 1}, undef, 'qr');

# --- by code, from the desk ---

for my $e (['EV-A4', {2 => 2, 3 => 2, 4 => 2, 5 => 2, 6 => 2, 7 => 2, 8 => 2,
        9 => 2}, \%admin],
    ['EV-A5', {2 => 0, 6 => 1}, \%admin],
    ['EV-A6', {7 => 0, 8 => 1, 9 => 1}, \%admin],
    ['EV-B1', {2 => 1, 3 => 1}, \%xaydung],
    ['EV-B2', {2 => 2}, \%xaydung],
    ['EV-B3', {3 => 0, 5 => 2}, \%admin],
    ['EV-C1', {4 => 1, 6 => 2}, \%benluc])
{
    my ($code, $answers, $key) = @$e;
    ($r, $j) = post_json({code => $code, answers => $answers}, %$key);
    is($r->{status}, 201, "$code by code: 201") or diag($r->{content});
    is($j->{code}, $code, "$code: the code");
    is_deeply($j->{answers}, recorded($code, '2024-06-15', $answers, undef),
        "$code: answers and index 1 ($dossier{$code}[2])");
}

# --- concurrent submissions: exactly one wins ---

my $tokRace = token_of('EV-RACE');
pipe(my $rd, my $wr) or die "pipe: $!";
my @kids;
for my $k (1 .. 10) {
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        close $wr;
        my $ua = HTTP::Tiny->new(timeout => 30);
        my %body = $k % 2
            ? (token => $tokRace, answers => {2 => $k % 3, 7 => 2})
            : (code => 'EV-RACE', answers => {2 => $k % 3, 7 => 2});
        my %h = ('Content-Type' => 'application/json',
            $k % 2 ? () : %admin);
        sysread($rd, my $go, 1);          # wait for the start
        my $res = $ua->request('POST', $t->url('/api/v1/evaluations'),
            {headers => \%h, content => $json->encode(\%body)});
        open(my $fh, '>', $t->dir . "/race.$k") or POSIX::_exit(1);
        print $fh "$res->{status}\n$res->{content}";
        close $fh;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
close $rd;
sleep 0.3;
close $wr;                                # all go at once
waitpid($_, 0) for @kids;
my (%statuses, $winner);
for my $k (1 .. 10) {
    my ($st, $body) = split /\n/, Onestop::Test::slurp($t->dir . "/race.$k"), 2;
    $statuses{$st // 'none'}++;
    $winner = [$k, $body] if ($st // '') eq '201';
}
is_deeply(\%statuses, {201 => 1, 409 => 9},
    'ten at once: exactly one 201, nine 409');
if ($winner) {
    my $wj = eval { $json->decode($winner->[1]) } // {};
    my $k = $winner->[0];
    is_deeply($wj->{answers}, recorded('EV-RACE', '2024-06-15',
        {2 => $k % 3, 7 => 2}, undef, $k % 2 ? 'qr' : 'desk'),
        'the winner\'s answers recorded');
}

# --- the summary, recounted ---

sub query_string (%q) {
    return join '&', map { "$_=$q{$_}" } sort keys %q;
}

sub dims_of ($ev) {
    my ($ag, $ch) = @{$dossier{$ev->{code}}}[0, 1];
    my $proc = $proc_of{$ag};
    return (agency => $ag, top_agency => $agency{$ag}[2],
        field => $procedure{$proc}[1], procedure => $proc, channel => $ch,
        level => $agency{$ag}[1]);
}

sub under ($ag, $root) {
    return $ag eq $root || $agency{$ag}[2] eq $root;
}

# the parts of a shown whole withheld (rules.md section 8): those of
# fewer than 5, and then the smallest shown (the first of equals) while
# the withheld hold 1 to 4, which the whole less the rest would show (the
# sources: by their evaluations)
sub residue (@n) {
    my @hidden = map { $_ < 5 ? 1 : 0 } @n;
    my $out = 0;
    $out += $n[$_] for grep { $hidden[$_] } 0 .. $#n;
    while ($out > 0 && $out < 5) {
        my ($min) = sort { $n[$a] <=> $n[$b] || $a <=> $b }
            grep { !$hidden[$_] } 0 .. $#n;
        last unless defined $min;
        $hidden[$min] = 1;
        $out += $n[$min];
    }
    return @hidden;
}

# the groups withheld of a shown totals: of fewer than 5, and then, while
# what they withhold of a dimension the totals show (the evaluations, an
# index's answers) is 1 to 4, the smallest group showing it (first of
# equals); an index of 1 to 4 answers in a group is withheld too
sub group_residue ($all, @g) {
    my @hidden = map { 0 } @g;
    return @hidden if @$all < 5;
    my $n = sub ($evs, $d) {
        $d ? scalar(grep { defined $_->{answers}{$d} } @$evs) : scalar @$evs
    };
    while (1) {
        my $bad;
        for my $d (0 .. 9) {
            next if $n->($all, $d) < 5;
            my $out = 0;
            for my $k (0 .. $#g) {
                my $held = $hidden[$k] || @{$g[$k]} < 5;
                my $c = $n->($g[$k], $d);
                $out += $c if $held || ($d && $c < 5);
            }
            if ($out > 0 && $out < 5) { $bad = $d; last }
        }
        return @hidden unless defined $bad;
        my ($min) = sort { @{$g[$a]} <=> @{$g[$b]} || $a <=> $b }
            grep { !$hidden[$_] && @{$g[$_]} >= 5
                   && ($bad == 0 || $n->($g[$_], $bad) >= 5) } 0 .. $#g;
        return @hidden unless defined $min;
        $hidden[$min] = 1;
    }
}

# an answer's figures (Circular 01/2018, Art. 13: nine indices of 0 to 2
# points): of fewer than 5 evaluations (or withheld besides, $hide) the
# counts only, every mean, split of scores and total withheld
sub aggregate ($hide, @evs) {
    my $held = @evs < 5 || $hide;
    my %s = (evaluations => scalar @evs,
        comments => scalar(grep { defined $_->{comment}
            && length $_->{comment} } @evs),
        withheld => $held ? 1 : 0);
    for my $i (1 .. 9) {
        my @v = map { $_->{answers}{$i} // () } @evs;
        my $sum = 0;
        $sum += $_ for @v;
        # an index answered 1 to 4 times: its count only
        my $ih = $held || (@v && @v < 5);
        $s{$i} = {count => scalar @v,
            mean => @v && !$ih ? $sum / @v : undef,
            scores => $ih ? undef
                : {map { my $k = $_; $k => scalar(grep { $_ == $k } @v) }
                   0 .. 2}};
    }
    $s{total_mean} = $held ? undef : total_mean(@evs);
    my @src = qw(unrecorded qr desk portal);
    my @of = map { my $src = $_; [grep { $_->{source} eq $src } @evs] } @src;
    my @hidden = $held ? map { 1 } @src : residue(map { scalar @$_ } @of);
    for my $k (0 .. $#src) {
        $s{sources}{$src[$k]} = {evaluations => scalar @{$of[$k]},
            total_mean => $hidden[$k] ? undef : total_mean(@{$of[$k]})};
    }
    return \%s;
}

# the sum of the nine indices' means, out of 18: none of fewer than 5, or
# while an index has fewer than 5 answers
sub total_mean (@evs) {
    return undef if @evs < 5;
    my $total = 0;
    for my $i (1 .. 9) {
        my @v = map { $_->{answers}{$i} // () } @evs;
        return undef if @v < 5;
        my $sum = 0;
        $sum += $_ for @v;
        $total += $sum / @v;
    }
    return $total;
}

my %name_of = (
    agency => sub { $agency{$_[0]}[0] },
    top_agency => sub { $agency{$_[0]}[0] },
    field => sub { $field{$_[0]} },
    procedure => sub { $procedure{$_[0]}[0] },
);

sub expected (%q) {
    my @evs = grep {
        my $ev = $_;
        my %d = dims_of($ev);
        (!$q{from} || $ev->{date} ge $q{from})
            && (!$q{to} || $ev->{date} le $q{to})
            && (!grep { defined $q{$_} && $q{$_} ne $d{$_} }
                qw(agency field procedure channel level))
            && (!$q{under} || under($d{agency}, $q{under}))
    } @EVALS;
    my @group = $q{group} ? split(/,/, $q{group}) : ();
    my %groups;
    for my $ev (@group ? @evs : ()) {
        my %d = dims_of($ev);
        push @{$groups{join "\0", map { $d{$_} } @group}}, $ev;
    }
    my @out;
    my @keys = sort {
            my @x = split /\0/, $a;
            my @y = split /\0/, $b;
            my $c = 0;
            for my $n (0 .. $#x) { $c ||= $x[$n] cmp $y[$n] }
            $c } keys %groups;
    my @hidden = group_residue(\@evs, map { $groups{$_} } @keys);
    for my $key (@keys) {
        my @v = split /\0/, $key;
        my %g = %{aggregate(shift @hidden, @{$groups{$key}})};
        for my $n (0 .. $#group) {
            $g{$group[$n]} = $v[$n];
            $g{"$group[$n]_name"} = $name_of{$group[$n]}->($v[$n])
                if $name_of{$group[$n]};
        }
        push @out, \%g;
    }
    return {totals => aggregate(0, @evs), groups => \@out,
        group => \@group};
}

# means compared to 12 digits, the rest exactly
sub normal ($x) {
    return $x ? 1 : 0 if JSON::PP::is_bool($x);
    if (ref $x eq 'HASH') {
        return {map { $_ => ($_ =~ /mean\z/ && defined $x->{$_}
            ? sprintf('%.12f', $x->{$_}) : normal($x->{$_})) } keys %$x};
    }
    return [map { normal($_) } @$x] if ref $x eq 'ARRAY';
    return $x;
}

sub summary_ok ($name, %q) {
    my $r = $t->get('/api/v1/evaluations/summary?' . query_string(%q));
    is($r->{status}, 200, "summary $name: 200") or diag($r->{content});
    my $got = eval { $json->decode($r->{content}) } // {};
    my $want = expected(%q);
    # comments are counted in the totals; a group may carry them too
    for my $g (@{$want->{groups}}) {
        my ($same) = grep { my $gg = $_;
            !grep { ($gg->{$_} // '') ne $g->{$_} } @{$want->{group}} }
            @{$got->{groups} // []};
        delete $g->{comments} unless $same && exists $same->{comments};
    }
    is_deeply(normal($got->{totals}), normal($want->{totals}),
        "summary $name: totals") or diag($r->{content});
    is_deeply(normal($got->{groups}), normal($want->{groups}),
        "summary $name: groups") or diag($r->{content});
    is_deeply($got->{group}, $want->{group}, "summary $name: group");
    is($got->{from}, $q{from}, "summary $name: from") if $q{from};
    is($got->{to}, $q{to}, "summary $name: to") if $q{to};
    return ($r, $got);
}

# --- fewer than 5 evaluations: counts, no means ---

# an answer of fewer than 5 shows how many (evaluations, comments, each
# index's and each source's count) and nothing that tells their answers:
# no mean, no split of scores, no total; in its totals whatever narrowed
# them (a filter or a period), and in each group that small
sub withheld_ok ($name, %q) {
    my ($r, $got) = summary_ok("withheld $name", %q);
    ok($got->{totals}{withheld}, "withheld $name: said so");
    unlike($r->{content}, qr/"(?:mean|total_mean)":\s*\d/,
        "withheld $name: not one mean in the answer");
    unlike($r->{content}, qr/"scores":\s*\{/,
        "withheld $name: no split of scores");
    return $got;
}

sub shown_ok ($name, $n, %q) {
    my $r = $t->get('/api/v1/evaluations/summary?' . query_string(%q));
    my $got = eval { $json->decode($r->{content}) } // {};
    is($got->{totals}{evaluations}, $n, "shown $name: $n evaluations")
        or diag($r->{content});
    is($got->{totals}{1}{count}, $n, "shown $name: index 1 counted");
    like($r->{content}, qr/"mean":\s*\d/, "shown $name: means");
    return $got;
}

my ($sr, $s) = summary_ok('of everything');
is($s->{to}, '2024-06-15', 'to defaults to today');
ok(($s->{from} // '9999') le '2024-06-15', 'from covers the first evaluation');
is($s->{totals}{evaluations}, 11, 'eleven evaluations so far');
is_deeply($s->{totals}{'3'}, {count => 4, mean => undef, scores => undef},
    'index 3 recounted by hand: 4 answers, its count only (fewer than 5)');
is_deeply([map { $s->{totals}{sources}{$_}{evaluations} }
    qw(unrecorded qr desk portal)],
    [0, 3 + ($EVALS[-1]{source} eq 'qr'), 7 + ($EVALS[-1]{source} eq 'desk'),
     0], 'by source: the token\'s 3 (API, form) and the key\'s 7, and the '
    . "race's winner ($EVALS[-1]{source})");
is($s->{totals}{'1'}{count}, 11, 'index 1 in every evaluation');
is_deeply($s->{groups}, [], 'no group without group');
summary_ok('by agency', group => 'agency');
summary_ok('by top agency', group => 'top_agency');
summary_ok('by channel', group => 'channel');
summary_ok('by field and channel', group => 'field,channel');
summary_ok('by level', group => 'level');
summary_ok('by procedure', group => 'procedure');
summary_ok('of one agency', agency => '000.00.15.H36');
summary_ok('under a district', under => '000.00.30.H36');
summary_ok('of a field', field => 'tu-phap', group => 'channel');
summary_ok('of the direct channel', channel => 'direct', group => 'agency');
summary_ok('of communes', level => 'commune');
summary_ok('today only', from => '2024-06-15', to => '2024-06-15',
    group => 'agency');
summary_ok('before any', from => '2024-06-01', to => '2024-06-14',
    group => 'agency');

# one evaluation in Thị trấn Bến Lức (EV-C1), three in Sở Xây dựng: the
# grouped answer leaves them out, and so does every filter down to them
withheld_ok('of an agency with one', agency => '000.30.01.H36');
withheld_ok('of an agency with one, grouped by agency',
    agency => '000.30.01.H36', group => 'agency');
withheld_ok('under a district with one', under => '000.00.30.H36');
withheld_ok('of the communes (one)', level => 'commune', group => 'channel');
withheld_ok('of an agency with three', agency => '000.00.15.H36');
withheld_ok('of a procedure with three', procedure => '1.009999');
withheld_ok('of a field with three', field => 'xay-dung', group => 'level');
withheld_ok('of the postal channel (one)', channel => 'postal');
withheld_ok('of Sở Tư pháp by post (one)', agency => '000.00.12.H36',
    channel => 'postal');
# the province's own total, narrowed by the period alone
withheld_ok('of the province before any', from => '2024-06-01',
    to => '2024-06-14');
shown_ok('of Sở Tư pháp (seven)', 7, agency => '000.00.12.H36');
shown_ok('of the direct channel (five)', 5, channel => 'direct');

my ($g) = grep { $_->{agency} eq '000.00.12.H36' }
    @{expected(group => 'agency')->{groups}};
ok($g && $g->{evaluations} >= 5, 'Sở Tư pháp has 5 or more: shown');
is(scalar(grep { $_->{code} =~ /^EV-B/ } @EVALS), 3,
    'Sở Xây dựng has 3: left out of the groups, kept in the totals');

($r) = ($t->get('/api/v1/evaluations/summary?group=agency'));
for my $secret ('BÍ-MẬT-7731', 'BÍ-MẬT-4410', 'nhiệt tình', 'biểu mẫu') {
    ok(index(decode('UTF-8', $r->{content}), $secret) < 0,
        "the summary does not publish '$secret'");
}
is($r->{headers}{'access-control-allow-origin'}, '*',
    'the summary is public data: Access-Control-Allow-Origin *');
like($r->{headers}{'cache-control'} // '', qr/\bpublic\b.*\bmax-age=\d+/,
    'Cache-Control public, max-age');

for my $bad ('group=nope', 'group=agency,agency,agency,agency',
    'from=2024-13-01', 'to=2024-06-31', 'from=2024-06-16&to=2024-06-15',
    'agency=000.99.99.H36', 'under=nope', 'field=nope', 'channel=fax',
    'level=nation', 'period=month&from=2024-06-01', 'period=decade')
{
    $r = $t->get("/api/v1/evaluations/summary?$bad");
    error_ok($r, 400, 'bad_request', "summary ?$bad");
}

# what an evaluation does not carry is refused, not ignored: the return
# channel (the dossier's, counted by agency for the statistics only), the
# figures frozen for publication, the questions (subject=feedback)
for my $bad ('return_channel=postal', 'group=return_channel',
    'group=agency,return_channel',
    'as=published&from=2024-05-01&to=2024-05-31', 'subject=feedback')
{
    $r = $t->get("/api/v1/evaluations/summary?$bad");
    error_ok($r, 400, 'bad_request', "summary ?$bad");
}

# --- a second day: restart with another today ---

$t->stop;
$ENV{ONESTOP_TODAY} = '2024-06-20';
ok($t->start, 'nginx restarts on 2024-06-20') or BAIL_OUT('no restart');

for my $e (['EV-A7', {2 => 2, 3 => 1}], ['EV-B4', {2 => 0, 3 => 2, 9 => 1}],
    ['EV-B5', {3 => 1}], ['EV-C2', {8 => 2}])
{
    my ($code, $answers) = @$e;
    ($r, $j) = post_json({code => $code, answers => $answers}, %admin);
    is($r->{status}, 201, "$code on 2024-06-20: 201") or diag($r->{content});
    is(($j->{evaluated_at} // '') =~ $RFC3339 ? $1 : undef, '2024-06-20',
        "$code: evaluated on the new today");
    recorded($code, '2024-06-20', $answers, undef);
}
($r, $j) = post_json({token => token_of('EV-A6'), answers => {2 => 2}});
error_ok($r, 409, undef, 'still once per dossier after a restart');

($sr, $s) = summary_ok('of both days');
is($s->{to}, '2024-06-20', 'to is the new today');
summary_ok('of both days by agency', group => 'agency');
summary_ok('of both days by top agency', group => 'top_agency');
summary_ok('the first day', from => '2024-06-15', to => '2024-06-15',
    group => 'agency');
summary_ok('the second day', from => '2024-06-16', to => '2024-06-20',
    group => 'agency');
summary_ok('the second day by channel', from => '2024-06-20',
    to => '2024-06-20', group => 'channel');
summary_ok('of Sở Xây dựng, both days', agency => '000.00.15.H36',
    group => 'agency');
summary_ok('of the district, both days', under => '000.00.30.H36',
    group => 'agency');
is(scalar(grep { $_->{code} =~ /^EV-B/ } @EVALS), 5,
    'Sở Xây dựng now has 5: shown over both days, not on the first');

# the province total narrowed to the second day: four evaluations
withheld_ok('of the province on the second day (four)', from => '2024-06-16',
    to => '2024-06-20');
withheld_ok('of the province on the second day by agency', from => '2024-06-16',
    to => '2024-06-20', group => 'agency');
withheld_ok('of Thạnh Đức (one)', agency => '000.30.02.H36');
shown_ok('of Sở Xây dựng, now five', 5, agency => '000.00.15.H36');
shown_ok('of the province on both days', 15);

# an agency evaluated one at a time: nothing of it until the fifth
for my $k (1 .. 5) {
    ($r) = post_json({code => "EV-D$k", answers => {2 => $k % 3, 7 => 2}},
        %admin);
    is($r->{status}, 201, "EV-D$k: 201") or diag($r->{content});
    recorded("EV-D$k", '2024-06-20', {2 => $k % 3, 7 => 2}, undef);
    if ($k < 5) {
        withheld_ok("of Phước Lý with $k", agency => '000.31.01.H36');
        withheld_ok("under Cần Giuộc with $k, by agency",
            under => '000.00.31.H36', group => 'agency');
        withheld_ok("of Phước Lý's day with $k", agency => '000.31.01.H36',
            from => '2024-06-20', to => '2024-06-20');
    }
}
my $five = shown_ok('of Phước Lý with five', 5, agency => '000.31.01.H36');
is_deeply(normal($five->{totals}), normal(aggregate(0,
    grep { $_->{code} =~ /^EV-D/ } @EVALS)),
    'of Phước Lý with five: its figures, recounted');
summary_ok('of Phước Lý with five', agency => '000.31.01.H36');
summary_ok('under Cần Giuộc with five, by agency', under => '000.00.31.H36',
    group => 'agency');
withheld_ok('of Phước Lý online (two)', agency => '000.31.01.H36',
    channel => 'online');
summary_ok('of everything at the end, by agency', group => 'agency');

# --- an evaluation follows its dossier: index 1 is the time it took, and
# a deleted dossier's evaluation leaves the summary ---

{
    my ($rec) = grep { $_->{code} eq 'EV-A1' } @recs;
    my %v2 = (%$rec, version => 2,
        resolved_at => '2024-06-12T09:00:00+07:00');     # after its due date
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([\%v2]));
    is($r->{status}, 200, 'EV-A1 version 2: resolved late after all')
        or diag($r->{content});
    $dossier{'EV-A1'}[2] = 'late';
    $_->{answers}{1} = 0 for grep { $_->{code} eq 'EV-A1' } @EVALS;
    my (undef, $got) = summary_ok('after EV-A1 turned late', group => 'agency');
    my ($ag) = grep { $_->{agency} eq '000.00.12.H36' } @{ $got->{groups} };
    ok($ag && $ag->{1}{scores} && $ag->{1}{scores}{0} >= 1,
        'its index 1 now counts a 0');

    $r = $t->http('DELETE', '/api/v1/ingest/dossiers/EV-A4',
        headers => \%admin);
    is($r->{status}, 200, 'EV-A4 deleted') or diag($r->{content});
    my $before = @EVALS;
    my @gone = grep { $_->{code} eq 'EV-A4' } @EVALS;
    @EVALS = grep { $_->{code} ne 'EV-A4' } @EVALS;
    is(scalar @EVALS, $before - 1, 'it had an evaluation');
    summary_ok('after EV-A4 was deleted', group => 'agency');
    summary_ok('after EV-A4 was deleted, by channel', group => 'channel',
        from => '2024-06-15', to => '2024-06-15');
    my ($rc, $out, $err) = $t->cli('verify');
    is($rc, 0, 'verify is clean after both') or diag("$out$err");

    # brought back by a later version (SPEC section 5): with its
    # evaluation, the citizen's, which the summaries count again; the code
    # was spent once (Điều 12), so a second evaluation is still 409
    my ($rec4) = grep { $_->{code} eq 'EV-A4' } @recs;
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([{%$rec4, version => 5}]));
    is($r->{status}, 200, 'EV-A4 brought back') or diag($r->{content});
    ($r) = post_json({code => 'EV-A4', answers => {2 => 0, 7 => 0}}, %admin);
    is($r->{status}, 409, 'EV-A4 brought back: evaluated once already')
        or diag($r->{content});
    push @EVALS, @gone;
    summary_ok('after EV-A4 was brought back', group => 'agency');
    summary_ok('after EV-A4 was brought back, by channel',
        group => 'channel', from => '2024-06-15', to => '2024-06-15');
    ($rc, $out, $err) = $t->cli('verify');
    is($rc, 0, 'verify is clean after it') or diag("$out$err");
}

# a version that moves an evaluated dossier to another agency, procedure
# and channel (a correction) moves its evaluation with it, as it moves the
# dossier's counters
{
    my ($rec) = grep { $_->{code} eq 'EV-A2' } @recs;
    my %v2 = (%$rec, version => 2, agency => '000.00.15.H36',
        procedure => $proc_of{'000.00.15.H36'}, channel => 'postal');
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([\%v2]));
    is($r->{status}, 200, 'EV-A2 version 2: moved to Sở Xây dựng, by post')
        or diag($r->{content});
    @{$dossier{'EV-A2'}}[0, 1] = ('000.00.15.H36', 'postal');
    summary_ok('after EV-A2 moved', group => 'agency');
    summary_ok('after EV-A2 moved, by field and channel',
        group => 'field,channel');
    summary_ok('after EV-A2 moved, of Sở Xây dựng',
        agency => '000.00.15.H36');
}

# --- comments nowhere ---

my $everything = '';
for my $q ('', '?group=agency', '?group=field,channel',
    '?agency=000.00.12.H36')
{
    $everything .= $t->get("/api/v1/evaluations/summary$q")->{content};
}
$everything = decode('UTF-8', $everything);
for my $secret ('BÍ-MẬT-7731', 'BÍ-MẬT-4410') {
    ok(index($everything, $secret) < 0, "no summary holds '$secret'");
    my $enc = encode('UTF-8', $secret);
    ok(index($t->error_log, $enc) < 0, "error.log does not hold '$secret'");
    ok(index(Onestop::Test::slurp($t->dir . '/access.log'), $enc) < 0,
        "access.log does not hold '$secret'");
    (my $pct = form_encode(x => $secret)) =~ s/^x=//;
    ok(index(Onestop::Test::slurp($t->dir . '/access.log'), $pct) < 0,
        "access.log does not hold it percent-encoded");
}
ok(!grep({ /"POST / && index($_, $tokA1) >= 0 }
    split /\n/, Onestop::Test::slurp($t->dir . '/access.log')),
    'access.log holds no token of a POST');

$t->check_log;

done_testing;
