"""Registering petitions: numbers, sealed contact details, group visits (art. 20), repeated
petitions on one matter and matters finalised by 复核."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.core.models import AuditLog
from shanzhi.petitions import services
from shanzhi.petitions.models import Petition, Petitioner, PetitionMatter

from .core_helpers import at, register, replied, valid_id

pytestmark = pytest.mark.django_db


def test_register_numbers_per_day_and_seals_contact_details(world):
    first = register(world, now=at(2026, 3, 2))
    second = register(world, now=at(2026, 3, 2, 15))
    other_day = register(world, now=at(2026, 3, 3))
    assert (first.number, second.number) == ("XF202603020001", "XF202603020002")
    assert other_day.number == "XF202603030001"
    person = first.petitioners.get()
    assert person.phone_masked == "138****8000"
    assert valid_id() not in person.id_number_enc and person.id_number_masked.startswith("3704")
    assert first.state == "registered" and first.registered_by == world.petition_officer
    assert first.matter.first_petition == first
    assert AuditLog.objects.filter(action="petitions.register", object_id=str(first.pk)).exists()


def test_a_bad_id_number_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as exc:
        register(world, petitioners=[{"name": "李四", "id_number": "370403199001011230"}])
    assert "petitioners" in exc.value.message_dict
    assert not Petition.objects.exists() and not PetitionMatter.objects.exists()


def test_group_visit_with_six_representatives_is_refused_and_nothing_is_written(world):
    people = [{"name": f"代表{i}", "is_representative": True} for i in range(6)]
    with pytest.raises(ValidationError) as exc:
        register(world, channel="visit", is_group=True, group_size=40, petitioners=people)
    assert "多人走访应推选代表，代表人数不超过5人" in str(exc.value)
    assert not Petition.objects.exists()
    assert not Petitioner.objects.exists() and not PetitionMatter.objects.exists()


def test_group_visit_with_five_representatives_is_registered(world):
    people = [{"name": f"代表{i}", "is_representative": True} for i in range(5)]
    p = register(world, channel="visit", is_group=True, group_size=40, petitioners=people)
    assert p.group_size == 40 and p.petitioners.filter(is_representative=True).count() == 5


def test_a_group_letter_may_list_more_than_five_signatories(world):
    people = [{"name": f"联名{i}"} for i in range(8)]
    p = register(world, channel="letter", is_group=True, petitioners=people)
    assert p.group_size == 8


@pytest.mark.parametrize("persona", ["grid_worker_a", "department_handler", "leader", "outsider"])
def test_only_registering_roles_may_register(world, persona):
    with pytest.raises(PermissionDenied):
        register(world, actor=getattr(world, persona))
    assert not Petition.objects.exists()


def test_a_town_officer_registers_in_the_town_but_not_in_another(world):
    assert register(world, actor=world.town_officer, area=world.village).area == world.village
    with pytest.raises(PermissionDenied):
        register(world, actor=world.town_officer, area=world.village3)
    assert Petition.objects.count() == 1


def test_a_repeat_joins_the_matter_and_lists_with_it(world):
    first = register(world, now=at(2026, 3, 2))
    again = register(world, now=at(2026, 3, 20), matter=first.matter)
    assert again.matter == first.matter
    from shanzhi.petitions.selectors import repeats_of

    assert list(repeats_of(user=world.petition_officer, petition=again)) == [first, again]


def test_linking_a_repeat_later_moves_it_and_drops_the_empty_matter(world):
    first = register(world, now=at(2026, 3, 2))
    other = register(world, now=at(2026, 3, 5))
    orphan = other.matter_id
    linked = services.petition_link_repeat(
        actor=world.petition_officer, petition=other, matter=first.matter, version=other.version
    )
    assert linked.matter == first.matter and linked.version == other.version + 1
    assert not PetitionMatter.objects.filter(pk=orphan).exists()
    assert linked.timeline.filter(transition="link_repeat").exists()


def _finalise(world):
    p = replied(world, now=at(2026, 4, 14))
    officer = world.petition_officer
    p = services.review_request(
        actor=officer, petition=p, version=p.version, reviewing_body="区政府", now=at(2026, 5, 12)
    )
    p = services.review_decide(
        actor=officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持",
        now=at(2026, 6, 1),
    )
    p = services.review_request(
        actor=officer, petition=p, version=p.version, reviewing_body="市政府", now=at(2026, 6, 20)
    )
    return services.review_decide(
        actor=officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持",
        now=at(2026, 7, 1),
    )


def test_after_rereview_a_new_petition_on_the_matter_is_not_accepted(world):
    final = _finalise(world)
    again = register(world, now=at(2026, 8, 3), matter=final.matter)
    assert again.state == "not_accepted"
    assert again.not_accepted_reason == "该信访事项已经复核终结，不再受理"
    assert again.due_at is None
    assert [e.transition for e in again.timeline.all()] == ["register", "not_accept"]


def test_linking_a_fresh_petition_to_a_finalised_matter_records_it_not_accepted(world):
    final = _finalise(world)
    fresh = register(world, now=at(2026, 8, 3))
    linked = services.petition_link_repeat(
        actor=world.petition_officer, petition=fresh, matter=final.matter, version=fresh.version
    )
    assert linked.state == "not_accepted"
    assert linked.not_accepted_reason == "该信访事项已经复核终结，不再受理"


def test_a_petition_routed_before_the_matter_was_finalised_cannot_be_accepted(world):
    pending = register(world, now=at(2026, 3, 2))
    final = _finalise(world)
    # ``pending`` was registered on its own matter; link it while still registered is the
    # not-accepted path, so route it first and then link the matter's first petition to it.
    pending = services.petition_route(
        actor=world.petition_officer,
        petition=pending,
        version=pending.version,
        department=world.department,
    )
    Petition.objects.filter(pk=pending.pk).update(matter=final.matter)
    pending.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.petition_accept(
            actor=world.department_handler, petition=pending, version=pending.version
        )
    assert "该信访事项已经复核终结，不再受理" in str(exc.value)
    assert Petition.objects.get(pk=pending.pk).state == "assigned"


def test_unmasking_a_petitioner_needs_the_permission_and_is_audited(world):
    from django.contrib.auth.models import Permission

    p = register(world)
    person = p.petitioners.get()
    with pytest.raises(PermissionDenied):
        services.petitioner_unmask(
            actor=world.leader, petitioner=person, field="phone", reason="回访核实"
        )
    assert AuditLog.objects.filter(action="petitions.unmask", outcome="denied").count() == 1
    officer = world.petition_officer
    officer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    officer = type(officer).objects.get(pk=officer.pk)
    assert (
        services.petitioner_unmask(
            actor=officer, petitioner=person, field="phone", reason="回访核实"
        )
        == "13800138000"
    )
    assert AuditLog.objects.filter(action="petitions.unmask", outcome="success").count() == 1


def test_a_registry_person_outside_the_actors_scope_is_refused_and_nothing_is_written(world):
    from shanzhi.registry.tests.factories import person

    mine = person(world, grid=world.grid_a, name="赵一")
    elsewhere = person(world, grid=world.grid_e, name="钱二")
    assert not world.grid_e.path.startswith(world.town.path)
    # The town officer sees 常庄街道 (grid A) but not grid E's resident.
    with pytest.raises(ValidationError) as exc:
        register(
            world,
            actor=world.town_officer,
            petitioners=[{"name": "赵一", "person": mine}, {"name": "钱二", "person": elsewhere}],
        )
    assert exc.value.message_dict["petitioners"] == ["第 2 位信访人不在您的管辖范围内。"]
    assert not Petition.objects.exists() and not Petitioner.objects.exists()
    ok = register(world, actor=world.town_officer, petitioners=[{"name": "赵一", "person": mine}])
    assert ok.petitioners.get().person == mine
